#include "data/synth/synth_dataset.h"

#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/progress.h"
#include "core/rng.h"
#include "data/synth/phantom.h"
#include "data/case_list.h"
#include "data/pack.h"
#include "data/volume_io.h"

namespace mis {

namespace fs = std::filesystem;

void validate(const SynthConfig& c, const std::string& source) {
  const auto available = static_cast<int64_t>(synth::builtin_domains().size());
  if (c.output.empty()) throw UserError(source + ": synth needs an output folder (--output)");
  if (c.train_cases < 1 || c.test_cases < 1) throw UserError(source + ": train and test case counts must be >= 1");
  if (c.size < 16 || c.size > 1024) throw UserError(source + ": size must be between 16 and 1024");
  if (c.slices < 1) throw UserError(source + ": slices must be >= 1");
  if (c.classes < 1 || c.classes > 3) throw UserError(source + ": classes must be 1, 2 or 3");
  if (c.domains < 1 || c.domains > available)
    throw UserError(fmt::format("{}: domains must be between 1 and {}", source, available));
}

namespace {

Geometry geometry_of(const synth::Volume& v) {
  Geometry g;
  g.spacing = v.spacing;
  return g;
}

void write_dataset_json(const fs::path& folder, const std::string& domain, int64_t num_training,
                        const std::vector<std::string>& class_names) {
  json labels = json::object();
  for (std::size_t k = 0; k < class_names.size(); ++k) labels[class_names[k]] = k;
  write_json_atomic(folder / "dataset.json",
                    {{"name", "synthetic-" + domain},
                     {"description", "mis-spectral synthetic cardiac-like phantoms, scanner domain '" + domain + "'"},
                     {"domain", domain},
                     {"channel_names", {{"0", "MRI"}}},
                     {"labels", labels},
                     {"numTraining", num_training},
                     {"file_ending", ".nii.gz"}});
}

}  // namespace

int64_t write_synthetic_benchmark(const SynthConfig& c) {
  // Without ITK (a GPU node with only PyTorch) the benchmark is written as packs alone.
  const bool with_images = volume_io_available();
  if (!with_images)
    fmt::print(stderr, "synth: this binary was built without ITK: writing each domain's LibTorch pack "
                       "(DOMAIN/pack), no NIfTI images\n");
  const auto domains = synth::builtin_domains();
  synth::SynthOptions opts;
  opts.size = static_cast<int>(c.size);
  opts.slices = static_cast<int>(c.slices);
  opts.num_classes = static_cast<int>(c.classes);
  const auto class_names = synth::class_names(opts.num_classes);

  StagingDir staging(c.output, "synth", "--output");
  struct Job {
    std::string domain_name;
    std::size_t domain;
    std::string split;  // "Tr" | "Ts"
    int64_t index;
  };
  std::vector<Job> jobs;
  for (int64_t i = 0; i < c.train_cases; ++i) jobs.push_back({domains[0].name, 0, "Tr", i});
  for (int64_t d = 0; d < c.domains; ++d)
    for (int64_t i = 0; i < c.test_cases; ++i)
      jobs.push_back({domains[static_cast<std::size_t>(d)].name, static_cast<std::size_t>(d), "Ts", i});

  std::map<std::string, std::vector<Case>> train_cases, test_cases;  // by domain, without ITK only
  Progress progress("synth", static_cast<int64_t>(jobs.size()));
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const Job& job = jobs[j];
    // Test cases use other anatomy seeds than training cases; a test id is the same anatomy in every domain.
    const std::uint64_t anatomy_seed =
        derive_seed(c.seed, {job.split == "Tr" ? 1u : 2u, static_cast<std::uint64_t>(job.index)});
    const synth::Volume v = synth::generate_case(opts, domains[job.domain], anatomy_seed);
    const fs::path folder = staging.path() / job.domain_name;
    const std::string id = fmt::format("synth_{}{:03d}", job.split == "Tr" ? "tr" : "ts", job.index);
    const auto image = torch::from_blob(const_cast<float*>(v.image.data()), {v.nz, v.ny, v.nx}, torch::kFloat32);
    const auto label = torch::from_blob(const_cast<std::uint8_t*>(v.label.data()), {v.nz, v.ny, v.nx}, torch::kUInt8);
    if (with_images) {
      write_image_volume(folder / ("images" + job.split) / (id + "_0000.nii.gz"), image, geometry_of(v));
      write_label_volume(folder / ("labels" + job.split) / (id + ".nii.gz"), label.to(torch::kLong), geometry_of(v));
    } else {
      auto& cases = (job.split == "Tr" ? train_cases : test_cases)[job.domain_name];
      cases.push_back(Case{id, job.domain_name, image.unsqueeze(0).clone(), label.to(torch::kLong), geometry_of(v)});
    }
    progress.update(static_cast<int64_t>(j + 1));
  }
  progress.finish();
  for (int64_t d = 0; d < c.domains; ++d) {
    const auto& name = domains[static_cast<std::size_t>(d)].name;
    write_dataset_json(staging.path() / name, name, d == 0 ? c.train_cases : 0, class_names);
    // The same data in LibTorch's format, for builds without ITK (data/pack.h).
    const fs::path folder = staging.path() / name;
    if (with_images) {
      pack_dataset_folder(folder, folder / PACK_FOLDER);
      continue;
    }
    const DatasetInfo info{"synthetic-" + name, name, {"MRI"}, class_names};
    const auto in_memory = [&](std::map<std::string, std::vector<Case>>& by_domain) -> std::unique_ptr<Dataset> {
      if (!by_domain.count(name)) return nullptr;
      return std::make_unique<CaseListDataset>(info, std::move(by_domain[name]), folder.string());
    };
    const auto train = in_memory(train_cases), test = in_memory(test_cases);
    write_pack(folder / PACK_FOLDER, train.get(), test.get());
  }
  json manifest = to_json(c);
  manifest.erase("output");
  json domain_names = json::array();
  for (int64_t d = 0; d < c.domains; ++d) domain_names.push_back(domains[static_cast<std::size_t>(d)].name);
  manifest["domain_names"] = domain_names;
  manifest["classes_names"] = class_names;
  write_json_atomic(staging.path() / "synth.json", manifest);
  staging.commit();
  return static_cast<int64_t>(jobs.size());
}

}  // namespace mis

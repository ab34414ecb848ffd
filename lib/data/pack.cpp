#include "data/pack.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/checked_archive.h"
#include "core/error.h"
#include "core/files.h"
#include "core/fingerprint.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/version.h"
#include "data/nnunet_raw.h"
#include "data/volume_io.h"

namespace mis {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPackFormat = "mis-spectral-pack/1";
constexpr const char* kCaseFormat = "mis-spectral-pack-case/1";
constexpr const char* kRemedy = "pack the dataset again where its images can be read (mis-spectral pack FOLDER)";

json geometry_to_json(const Geometry& g) {
  return {{"spacing", g.spacing}, {"origin", g.origin}, {"direction", g.direction}};
}

Geometry geometry_from_json(const json& j) {
  Geometry g;
  g.spacing = j.at("spacing").get<std::array<double, 3>>();
  g.origin = j.at("origin").get<std::array<double, 3>>();
  g.direction = j.at("direction").get<std::array<double, 9>>();
  return g;
}

// Labels are stored in the narrowest integer type that holds them (a 200-slice CT label map is
// 8 times smaller as uint8 than as int64) and widened again on load.
torch::Tensor narrow_labels(const torch::Tensor& label, int num_classes) {
  return label.to(num_classes <= 256 ? torch::kUInt8 : torch::kInt16).contiguous();
}

std::string split_folder(const std::string& split) { return split == "train" ? "train" : "test"; }

}  // namespace

bool is_pack(const fs::path& dir) { return fs::is_regular_file(dir / "pack.json"); }

std::vector<std::string> write_pack(const fs::path& pack_dir, const Dataset* train, const Dataset* test) {
  const Dataset* any = train ? train : test;
  if (!any) throw UserError("write_pack: nothing to pack");
  const DatasetInfo& info = any->info();
  std::vector<std::string> written;
  json splits = json::object(), sources = json::object();
  std::int64_t total = 0;
  for (const Dataset* d : {train, test})
    if (d) total += static_cast<std::int64_t>(d->size());
  Progress progress("pack " + info.name, total);
  std::int64_t done = 0;
  for (const auto& [split, dataset] : {std::pair{"train", train}, std::pair{"test", test}}) {
    if (!dataset) continue;
    if (dataset->info().class_names != info.class_names || dataset->info().channel_names != info.channel_names)
      throw UserError(fmt::format("{}: the train and test splits declare other channels or classes", dataset->location()));
    const fs::path dir = pack_dir / split_folder(split);
    fs::create_directories(dir);
    json ids = json::array();
    for (std::size_t i = 0; i < dataset->size(); ++i) {
      const Case c = dataset->load(i);
      if (c.image.dim() != 4 || c.image.size(0) != info.num_channels())
        throw UserError(fmt::format("{}: case {} has {} channel(s), the dataset declares {}", dataset->location(), c.id,
                                    c.image.dim() == 4 ? c.image.size(0) : -1, info.num_channels()));
      torch::serialize::OutputArchive state;
      state.write("image", c.image.to(torch::kFloat32).contiguous());
      if (c.label.defined()) state.write("label", narrow_labels(c.label, info.num_classes()));
      const json meta = {{"id", c.id}, {"domain", c.domain}, {"geometry", geometry_to_json(c.geometry)}};
      const std::string file = split_folder(split) + "/" + c.id + ".pt";
      save_checked_archive(pack_dir / file, kCaseFormat, meta.dump(), state);
      written.push_back(file);
      ids.push_back(c.id);
      progress.update(++done);
    }
    splits[split] = ids;
    sources[split] = dataset->fingerprint();
  }
  progress.finish();
  write_json_atomic(pack_dir / "pack.json", {{"format", kPackFormat},
                                             {"name", info.name},
                                             {"domain", info.domain},
                                             {"channel_names", info.channel_names},
                                             {"class_names", info.class_names},
                                             {"splits", splits},
                                             {"sources", sources},
                                             {"written_by", std::string("mis-spectral ") + code_version()}});
  written.push_back("pack.json");
  // The `pack` command may replace it later, whichever command wrote it.
  mark_command_output(pack_dir, "pack");
  written.push_back(OUTPUT_MARKER);
  return written;
}

namespace {

std::vector<std::string> pack_splits(const fs::path& folder, const fs::path& pack_dir) {
  std::unique_ptr<Dataset> train, test;
  if (fs::is_directory(folder / "imagesTr")) train = std::make_unique<NnunetRawDataset>(folder, "train");
  if (fs::is_directory(folder / "imagesTs")) test = std::make_unique<NnunetRawDataset>(folder, "test");
  if (!train && !test) fail_file(folder, "holds neither imagesTr nor imagesTs: nothing to pack");
  return write_pack(pack_dir, train.get(), test.get());
}

}  // namespace

std::vector<std::string> pack_dataset_folder(const fs::path& folder, const fs::path& pack_dir) {
  fs::remove_all(pack_dir);  // a pack left by an interrupted run of the caller, inside its staging folder
  fs::create_directories(pack_dir);
  return pack_splits(folder, pack_dir);
}

std::vector<fs::path> pack_folders(const fs::path& root) {
  require_exists(root, "expected a dataset folder (nnU-Net v2 raw layout) or a folder of them");
  if (!volume_io_available())
    throw UserError("pack reads NIfTI/PNG images through ITK, and this binary was built with -DMIS_WITH_ITK=OFF; "
                    "run pack where ITK is available and copy each dataset folder's pack/ here");
  const auto folders = dataset_folders_under(root);
  if (folders.empty()) fail_file(root, "holds no dataset.json (nnU-Net v2 raw layout), here or below: nothing to pack");
  std::vector<fs::path> packs;
  for (const auto& folder : folders) {
    StagingDir staging(folder / PACK_FOLDER, "pack", "FOLDER");
    pack_splits(folder, staging.path());
    staging.commit();
    packs.push_back(folder / PACK_FOLDER);
  }
  return packs;
}

std::vector<fs::path> dataset_folders_under(const fs::path& root) {
  std::vector<fs::path> found;
  if (fs::is_regular_file(root / "dataset.json")) found.push_back(root);
  std::vector<fs::path> below;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_directory()) continue;
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || name == PACK_FOLDER || name.rfind("images", 0) == 0 ||
        name.rfind("labels", 0) == 0) {
      it.disable_recursion_pending();
      continue;
    }
    if (fs::is_regular_file(it->path() / "dataset.json")) below.push_back(it->path());
  }
  std::sort(below.begin(), below.end());
  found.insert(found.end(), below.begin(), below.end());
  return found;
}

PackDataset::PackDataset(fs::path pack_dir, const std::string& split) : dir_(std::move(pack_dir)), split_(split) {
  if (split != "train" && split != "test") throw UserError("unknown split '" + split + "' (expected train or test)");
  const fs::path json_path = dir_ / "pack.json";
  require_exists(json_path, "expected a dataset pack written by mis-spectral (synth, preprocess or pack)");
  const json j = read_json_file(json_path);
  if (!j.is_object() || j.value("format", "") != kPackFormat)
    fail_file(json_path, std::string("not a mis-spectral dataset pack (expected format ") + kPackFormat + "); " + kRemedy);
  try {
    info_.name = j.at("name").get<std::string>();
    info_.domain = j.at("domain").get<std::string>();
    info_.channel_names = j.at("channel_names").get<std::vector<std::string>>();
    info_.class_names = j.at("class_names").get<std::vector<std::string>>();
    if (!j.at("splits").contains(split))
      fail_file(json_path, fmt::format("the pack holds no {} split (it has {}); pick another split or dataset", split,
                                       j.at("splits").size() == 1 ? j.at("splits").begin().key() : "none"));
    cases_ = j.at("splits").at(split).get<std::vector<std::string>>();
    source_fingerprint_ = j.at("sources").at(split).get<std::string>();
  } catch (const json::exception& e) {
    fail_file(json_path, std::string("is not what mis-spectral writes (") + e.what() + "); " + kRemedy);
  }
  if (cases_.empty()) fail_file(json_path, fmt::format("the {} split is empty; {}", split, kRemedy));
  std::vector<std::string> missing;
  for (const auto& id : cases_)
    if (!fs::is_regular_file(case_path(id))) missing.push_back(id);
  if (!missing.empty())
    fail_file(dir_ / split_folder(split), fmt::format("{} case file(s) listed in pack.json are missing (first: {}.pt); "
                                                      "copy the whole pack folder, or {}",
                                                      missing.size(), missing.front(), kRemedy));
}

fs::path PackDataset::case_path(const std::string& id) const { return dir_ / split_folder(split_) / (id + ".pt"); }

Case PackDataset::load(std::size_t index) const {
  const fs::path path = case_path(cases_.at(index));
  CheckedArchive archive(path, {kCaseFormat}, "dataset pack case", kRemedy);
  Case c;
  try {
    const json meta = json::parse(archive.meta());
    c.id = meta.at("id").get<std::string>();
    c.domain = meta.at("domain").get<std::string>();
    c.geometry = geometry_from_json(meta.at("geometry"));
  } catch (const json::exception&) {
    archive.fail_corrupt("its metadata is not what mis-spectral writes");
  }
  if (c.id != cases_[index]) archive.fail_corrupt("it holds case " + c.id + ", not " + cases_[index]);
  auto state = archive.state("voxels");
  if (!state.try_read("image", c.image) || c.image.dim() != 4 || c.image.size(0) != info_.num_channels() ||
      c.image.scalar_type() != torch::kFloat32)
    archive.fail_corrupt(fmt::format("no float32 image of {} channel(s)", info_.num_channels()));
  torch::Tensor label;
  if (state.try_read("label", label)) {
    if (label.dim() != 3 || label.sizes() != c.image.sizes().slice(1))
      archive.fail_corrupt("its label map and image differ in size");
    c.label = label.to(torch::kLong);
  }
  return c;
}

std::string PackDataset::fingerprint() const {
  std::vector<fs::path> files{dir_ / "pack.json"};
  for (const auto& id : cases_) files.push_back(case_path(id));
  return fingerprint_files(files);
}

std::string PackDataset::location() const { return dir_.string() + " (" + split_ + ")"; }

}  // namespace mis

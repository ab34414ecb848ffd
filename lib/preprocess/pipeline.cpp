#include "preprocess/pipeline.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/fingerprint.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "core/version.h"
#include "data/pack.h"
#include "data/volume_io.h"
#include "preprocess/case_processor.h"
#include "preprocess/plan.h"
#include "preprocess/recipe.h"
#include "preprocess/resumable_staging.h"

namespace mis {

namespace fs = std::filesystem;
using namespace prep;

namespace {

fs::path clean(const fs::path& p) {
  fs::path out = fs::absolute(p).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();
  return out;
}

// Names, sizes and modification times: enough to notice a changed source without reading it.
json source_stat(const CaseSource& cs) {
  json stat = json::array();
  std::vector<fs::path> files = cs.images;
  if (!cs.label.empty()) files.push_back(cs.label);
  for (const auto& f : files) {
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    const auto mtime = fs::last_write_time(f, ec).time_since_epoch().count();
    stat.push_back({f.string(), static_cast<int64_t>(size), static_cast<int64_t>(mtime)});
  }
  return stat;
}

std::string marker_name(const CaseSource& cs) {
  return sanitize_id((cs.folder.empty() ? "" : cs.folder + "__") + cs.split + "__" + cs.id) + ".json";
}

std::string mask_kind_name(MaskKind k) {
  switch (k) {
    case MaskKind::label_map: return "label map";
    case MaskKind::threshold: return "lossy binary mask, thresholded";
    case MaskKind::binary: return "binary mask (0/255)";
    case MaskKind::instances: return "instance map, binarised (> 0)";
    case MaskKind::polygons: return "ImageScope XML polygons, rasterised";
  }
  return "?";
}

// A copy of `from` at `to`: a hard link where possible (same file system), else a copy.
void link_or_copy(const fs::path& from, const fs::path& to) {
  ensure_writable_dir(to.parent_path());
  std::error_code ec;
  fs::remove(to, ec);
  fs::create_hard_link(from, to, ec);
  if (ec) {
    ec.clear();
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) fail_file(to, "cannot copy " + from.string() + ": " + ec.message());
  }
}

// Intensity statistics pooled over cases: voxel-weighted mean, population std, extremes.
json pooled_intensity(const std::vector<const json*>& entries, const std::vector<std::string>& channels) {
  json out = json::array();
  for (std::size_t c = 0; c < channels.size(); ++c) {
    double n = 0, sum = 0, sum_sq = 0, lo = 0, hi = 0;
    bool first = true;
    for (const json* e : entries) {
      const json& s = (*e)["channels"][c];
      const double k = s["voxels"].get<double>(), m = s["mean"].get<double>(), sd = s["std"].get<double>();
      n += k;
      sum += k * m;
      sum_sq += k * (sd * sd + m * m);
      lo = first ? s["min"].get<double>() : std::min(lo, s["min"].get<double>());
      hi = first ? s["max"].get<double>() : std::max(hi, s["max"].get<double>());
      first = false;
    }
    const double mean = n > 0 ? sum / n : 0.0;
    const double var = n > 0 ? std::max(0.0, sum_sq / n - mean * mean) : 0.0;
    out.push_back({{"name", channels[c]}, {"mean", mean}, {"std", std::sqrt(var)}, {"min", lo}, {"max", hi},
                   {"voxels", static_cast<int64_t>(n)}, {"cases", entries.size()}});
  }
  return out;
}

// ---- resume: the cases an interrupted run with the same settings finished, sources unchanged

struct CaseProgress {
  std::vector<json> entries;     // the manifest entry of each case done (null until then)
  std::vector<json> stats;       // each case's source files' size and time, to notice a change
  std::vector<std::size_t> todo;  // the cases still to process
  int64_t reused = 0;
};

CaseProgress find_finished_cases(const DatasetPlan& plan, const json& identity, const fs::path& root,
                                 const fs::path& markers) {
  const std::size_t n = plan.cases.size();
  CaseProgress p;
  p.entries.resize(n);
  p.stats.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const CaseSource& cs = plan.cases[i];
    p.stats[i] = source_stat(cs);
    const fs::path marker = markers / marker_name(cs);
    bool done = false;
    if (fs::exists(marker)) {
      try {
        const json m = read_json_file(marker);
        done = m.at("identity") == identity && m.at("source_stat") == p.stats[i];
        const CaseFiles files = case_files(plan, cs, cs.folder);
        for (const auto& f : files.images) done = done && fs::exists(root / f);
        if (!files.label.empty()) done = done && fs::exists(root / files.label);
        if (done) p.entries[i] = m.at("entry");
      } catch (const std::exception&) {
        done = false;  // an unreadable marker: redo the case
      }
    }
    if (done) ++p.reused;
    else p.todo.push_back(i);
  }
  return p;
}

// ---- the remaining cases, on a pool of workers. The first failure stops new work, and the
// cases finished meanwhile stay in the staging folder (with their markers) for the next run.

void process_remaining_cases(const DatasetPlan& plan, const PreprocessConfig& config, const json& identity,
                             const fs::path& root, const fs::path& markers, CaseProgress& p) {
  const std::size_t n = plan.cases.size();
  int threads = config.threads > 0 ? config.threads : machine_cores();
  threads = std::max(1, std::min<int>(threads, static_cast<int>(std::max<std::size_t>(p.todo.size(), 1))));
  Progress progress("preprocess " + plan.dataset, static_cast<int64_t>(n), p.reused);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr first_error;
  int64_t done_count = p.reused;
  auto worker = [&] {
    while (!failed.load()) {
      const std::size_t k = next.fetch_add(1);
      if (k >= p.todo.size()) return;
      const std::size_t i = p.todo[k];
      try {
        json entry = process_case(plan, config, plan.cases[i], root);
        write_json_atomic(markers / marker_name(plan.cases[i]),
                          {{"identity", identity}, {"source_stat", p.stats[i]}, {"entry", entry}});
        std::lock_guard<std::mutex> lock(mutex);
        p.entries[i] = std::move(entry);
        progress.update(++done_count, plan.cases[i].id);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (first_error) {
    try {
      std::rethrow_exception(first_error);
    } catch (const UserError& e) {
      throw UserError(fmt::format("{} [{} of {} cases are done and kept in {}; fix the problem and rerun to continue]",
                                  e.what(), done_count, n, root.string()));
    }
  }
  progress.finish();
}

// ---- the nnU-Net folders: copies (hard links) for cases in several folders, dataset.json and
// splits.json per folder. Returns the manifest's "folders" block; every file written goes into
// `expected`.

json assemble_folders(const DatasetPlan& plan, const fs::path& root, std::set<std::string>& expected,
                      PreprocessResult& result) {
  std::map<std::string, std::map<std::string, std::vector<std::string>>> ids;  // folder -> split -> ids
  for (const CaseSource& cs : plan.cases) {
    const CaseFiles primary = case_files(plan, cs, cs.folder);
    for (const auto& f : primary.images) expected.insert(f.string());
    if (!primary.label.empty()) expected.insert(primary.label.string());
    ids[cs.folder][cs.split].push_back(cs.id);
    for (const auto& extra : cs.also_in) {
      const CaseFiles copy = case_files(plan, cs, extra);
      for (std::size_t c = 0; c < copy.images.size(); ++c) {
        link_or_copy(root / primary.images[c], root / copy.images[c]);
        expected.insert(copy.images[c].string());
      }
      if (!copy.label.empty()) {
        link_or_copy(root / primary.label, root / copy.label);
        expected.insert(copy.label.string());
      }
      ids[extra][cs.split].push_back(cs.id);
    }
  }
  json channel_names = json::object(), labels = json::object();
  for (std::size_t c = 0; c < plan.channel_names.size(); ++c) channel_names[std::to_string(c)] = plan.channel_names[c];
  for (std::size_t k = 0; k < plan.class_names.size(); ++k) labels[plan.class_names[k]] = k;
  json folders = json::array();
  for (const auto& folder : plan.folders) {
    if (!ids.count(folder.path)) continue;  // e.g. GlaS testB when the input holds no testB images
    auto& by_split = ids[folder.path];
    for (auto& [split, list] : by_split) std::sort(list.begin(), list.end());
    const auto count = [&](const std::string& s) { return by_split.count(s) ? by_split[s].size() : std::size_t{0}; };
    const fs::path dir = folder.path.empty() ? root : root / folder.path;
    const std::string prefix = folder.path.empty() ? "" : folder.path + "/";
    write_json_atomic(dir / "dataset.json",
                      {{"name", folder.name},
                       {"description", folder.description},
                       {"domain", folder.domain},
                       {"channel_names", channel_names},
                       {"labels", labels},
                       {"numTraining", count("train") + count("val")},
                       {"file_ending", ".nii.gz"},
                       {"preprocessed_by", std::string("mis-spectral preprocess ") + code_version()},
                       {"manifest", folder.path.empty() ? "manifest.json" : "../manifest.json"}});
    expected.insert(prefix + "dataset.json");
    if (count("val") > 0) {
      write_json_atomic(dir / "splits.json", json::array({json{{"train", by_split["train"]}, {"val", by_split["val"]}}}));
      expected.insert(prefix + "splits.json");
    }
    folders.push_back({{"path", folder.path.empty() ? "." : folder.path},
                       {"name", folder.name},
                       {"domain", folder.domain},
                       {"train", count("train")},
                       {"val", count("val")},
                       {"test", count("test")}});
    result.folders.push_back(folder.path);
  }
  return folders;
}

// ---- manifest.json: the settings, the recipe predict replays, the label map, splits,
// intensity statistics and every case's entry, in a stable order.

json manifest_json(const DatasetPlan& plan, const PreprocessConfig& config, const std::vector<json>& entries,
                   const json& folders) {
  const std::size_t n = plan.cases.size();
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& x = plan.cases[a];
    const auto& y = plan.cases[b];
    return std::tie(x.folder, x.split, x.id) < std::tie(y.folder, y.split, y.id);
  });
  json cases = json::array();
  json splits = {{"train", json::array()}, {"val", json::array()}, {"test", json::array()}};
  std::vector<const json*> training, all;
  Fnv1a64 fingerprint;
  for (std::size_t i : order) {
    const CaseSource& cs = plan.cases[i];
    const std::string key = (cs.folder.empty() ? "" : cs.folder + "/") + cs.id;
    splits[cs.split].push_back(key);
    cases.push_back(entries[i]);
    all.push_back(&entries[i]);
    if (cs.split != "test") training.push_back(&entries[i]);
    fingerprint.add(key);
    fingerprint.add(entries[i].at("source_fingerprint").get<std::string>());
  }
  json label_map = json::object();
  if (plan.mask_kind == MaskKind::label_map)
    for (std::size_t v = 0; v < plan.label_lut.size(); ++v)
      if (plan.label_lut[v] >= 0) label_map[std::to_string(v)] = plan.class_names[static_cast<std::size_t>(plan.label_lut[v])];
  return {
      {"manifest_version", 1},
      {"created_by", std::string("mis-spectral preprocess ") + code_version()},
      {"dataset", plan.dataset},
      {"input", config.input},
      {"config", to_json(config)},
      {"recipe", to_json(prep::recipe_of(plan, config))},  // what predict applies to new scans
      {"volumetric", plan.volumetric},
      {"orientation", plan.volumetric ? (config.reorient ? "RAI (ITK's code): index axes increase towards the patient's "
                                                           "Left, Posterior, Superior; identity direction in ITK's LPS "
                                                           "frame (LPS+ in nibabel's terms)"
                                                         : "as stored in the source files")
                                      : "2-D images: no orientation; spacing scaled so the physical size is kept"},
      {"channels", plan.channel_names},
      {"classes", plan.class_names},
      {"mask", mask_kind_name(plan.mask_kind)},
      {"label_map", label_map},
      {"sources", plan.sources},
      {"split", plan.split_info},
      {"notes", plan.notes},
      {"folders", folders},
      {"splits", splits},
      // Statistics of the stored (already normalised) intensities: over train + validation
      // cases, or over every case when the dataset is test-only (out-of-distribution sets).
      {"intensity", pooled_intensity(training.empty() ? all : training, plan.channel_names)},
      {"intensity_cases", training.empty() ? "all (test-only dataset)" : "train + val"},
      {"source_fingerprint", fingerprint.hex()},
      {"cases", cases}};
}

// ---- drop leftovers of earlier runs (other settings, removed cases) and the resume markers

void prune_leftovers(const fs::path& root, const fs::path& markers, const std::set<std::string>& expected) {
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path relative = fs::relative(it->path(), root);
    if (*relative.begin() == ".cases") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_directory() && !expected.count(relative.string())) stale.push_back(it->path());
  }
  for (const auto& p : stale) fs::remove(p);
  fs::remove_all(markers);
  for (bool removed = true; removed;) {  // empty folders left by the pruning
    removed = false;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it)
      if (it->is_directory() && fs::is_empty(it->path())) {
        fs::remove(it->path());
        removed = true;
        break;
      }
  }
}

}  // namespace

PreprocessResult run_preprocess(const PreprocessConfig& given) {
  if (!volume_io_available())
    throw UserError("preprocess reads and writes images through ITK, and this binary was built with -DMIS_WITH_ITK=OFF; "
                    "run it where ITK is available and copy the output folder");
  PreprocessConfig config = given;
  const fs::path input = clean(config.input), output = clean(config.output);
  config.input = input.string();
  config.output = output.string();
  // The readers walk the input folder, so an output inside it would be read as input too.
  if (path_within(output, input))
    fail_file(output, "the output folder lies inside the input folder " + input.string() + "; choose another --output");
  refuse_output_over_inputs(output, {input}, "--output");

  DatasetPlan plan = plan_dataset(config);
  check_plan(plan, input);
  for (const auto& note : plan.notes) std::fprintf(stderr, "note: %s\n", note.c_str());

  ResumableStagingDir staging(output);
  const fs::path root = staging.path();
  const fs::path markers = root / ".cases";
  ensure_writable_dir(markers);
  const json identity = case_identity_of(config);

  CaseProgress progress = find_finished_cases(plan, identity, root, markers);
  if (staging.resumed() && progress.reused > 0)
    std::fprintf(stderr, "resuming: %lld of %zu cases already done in %s\n", static_cast<long long>(progress.reused),
                 plan.cases.size(), root.c_str());
  process_remaining_cases(plan, config, identity, root, markers, progress);

  PreprocessResult result;
  std::set<std::string> expected{".lock"};
  const json folders = assemble_folders(plan, root, expected, result);
  write_json_atomic(root / "manifest.json", manifest_json(plan, config, progress.entries, folders));
  expected.insert("manifest.json");
  // The same data in LibTorch's format, for builds without ITK (data/pack.h); after the
  // manifest, which the dataset reader checks the cases against.
  for (const auto& folder : result.folders) {
    const std::string prefix = folder.empty() ? "" : folder + "/";
    for (const auto& file : pack_dataset_folder(root / folder, root / folder / PACK_FOLDER))
      expected.insert(prefix + PACK_FOLDER + "/" + file);
  }
  expected.insert(OUTPUT_MARKER);  // written by ResumableStagingDir: the folder is preprocess's own
  prune_leftovers(root, markers, expected);
  staging.commit();

  result.output = output;
  result.cases = static_cast<int64_t>(plan.cases.size());
  result.reused = progress.reused;
  result.notes = plan.notes;
  return result;
}

}  // namespace mis

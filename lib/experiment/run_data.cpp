#include "experiment/run_data.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "core/fingerprint.h"
#include "data/dataset.h"

namespace mis {

namespace fs = std::filesystem;

namespace {

// Names, sizes and modification times of every file under `folder` ("missing" when absent).
std::string folder_stamp(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return "missing";
  std::vector<std::string> entries;
  for (auto it = fs::recursive_directory_iterator(folder, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code fe;
    if (!it->is_regular_file(fe)) continue;
    const auto size = it->file_size(fe);
    const auto mtime = fs::last_write_time(it->path(), fe).time_since_epoch().count();
    entries.push_back(it->path().lexically_relative(folder).string() + "\t" + std::to_string(size) + "\t" +
                      std::to_string(mtime));
  }
  if (ec) return "unreadable";
  std::sort(entries.begin(), entries.end());
  Fnv1a64 h;
  for (const auto& e : entries) h.add(e + "\n");
  return h.hex();
}

// Dataset::fingerprint of one split, remembered per (folder, split, stamp): a dry-run over many
// runs of one dataset reads it once.
std::string split_fingerprint(const std::string& folder, const std::string& split, const std::string& stamp) {
  static std::mutex mutex;
  static std::map<std::string, std::string> cache;
  const std::string key = folder + "\n" + split + "\n" + stamp;
  {
    std::lock_guard<std::mutex> guard(mutex);
    if (const auto it = cache.find(key); it != cache.end()) return it->second;
  }
  std::string fingerprint;
  try {
    fingerprint = open_dataset(folder, split)->fingerprint();
  } catch (const std::exception&) {
    fingerprint = "";  // unreadable: training or the evaluation reports why
  }
  std::lock_guard<std::mutex> guard(mutex);
  cache[key] = fingerprint;
  return fingerprint;
}

std::vector<std::string> data_folders_of(const RunSpec& run) {
  std::set<std::string> folders(run.ood.begin(), run.ood.end());
  folders.insert(run.data);
  return {folders.begin(), folders.end()};
}

// The (folder, split) pairs the evaluations read, in the experiment's order (not by path, so
// that moving the data changes nothing).
std::vector<std::pair<std::string, std::string>> evaluated_splits(const RunSpec& run) {
  std::set<std::string> iid;
  for (const auto& spec : run.evaluations) {
    const json& split = spec.settings.contains("split") ? spec.settings["split"] : json("test");
    iid.insert(split.is_string() ? split.get<std::string>() : "test");
  }
  std::vector<std::pair<std::string, std::string>> splits;
  for (const auto& split : iid) splits.push_back({run.data, split});
  for (const auto& o : run.ood) splits.push_back({o, "test"});
  return splits;
}

json run_data_with_stamps(const RunSpec& run, const json& stamps) {
  const auto stamp_of = [&](const std::string& folder) { return stamps.value(folder, std::string("missing")); };
  const std::string train = split_fingerprint(run.data, run.train.split, stamp_of(run.data));
  Fnv1a64 evaluation;
  bool readable = true;
  for (const auto& [folder, split] : evaluated_splits(run)) {
    const std::string f = split_fingerprint(folder, split, stamp_of(folder));
    readable = readable && !f.empty();
    evaluation.add(split + "=" + f + "\n");
  }
  return {{"stamps", stamps}, {"train", train}, {"evaluation", readable ? evaluation.hex() : ""}};
}

json run_stamps(const RunSpec& run) {
  json stamps = json::object();
  for (const auto& folder : data_folders_of(run)) stamps[folder] = folder_stamp(folder);
  return stamps;
}

bool recorded_fingerprint_differs(const json& before, const json& now, const char* key) {
  const std::string b = before.contains(key) && before[key].is_string() ? before[key].get<std::string>() : "";
  const std::string n = now[key].get<std::string>();
  return !b.empty() && !n.empty() && b != n;
}

}  // namespace

json current_run_data(const RunSpec& run) { return run_data_with_stamps(run, run_stamps(run)); }

DataChange compare_run_data(const json& record, const RunSpec& run) {
  DataChange change;
  const json stamps = run_stamps(run);
  const json* before = record.contains("data") && record["data"].is_object() ? &record["data"] : nullptr;
  if (before && before->contains("stamps") && (*before)["stamps"] == stamps) {
    change.now = *before;  // the files are as they were: the contents too
    return change;
  }
  change.now = run_data_with_stamps(run, stamps);
  if (!before) return change;
  if (change.now["train"] == "" || change.now["evaluation"] == "") {
    change.now = *before;  // data that cannot be read now: keep what the run was made from
    return change;
  }
  change.train = recorded_fingerprint_differs(*before, change.now, "train");
  change.evaluation = recorded_fingerprint_differs(*before, change.now, "evaluation");
  return change;
}

}  // namespace mis

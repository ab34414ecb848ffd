#include "experiment/run_record.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "core/fingerprint.h"
#include "data/dataset.h"
#include "core/version.h"
#include "eval/result_schema.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace mis {

namespace fs = std::filesystem;

fs::path run_record_path(const fs::path& run_dir) { return run_dir / "run.json"; }

json new_run_record(const Experiment& experiment, const RunSpec& run) {
  return {{"schema", kRunRecordSchema},
          {"schema_version", 1},
          {"experiment", experiment.name},
          {"id", run.id},
          {"status", "pending"},
          {"labels", to_json(run.labels)},
          {"train_config", to_json(run.train)},
          {"evaluations", json::object()}};
}

std::optional<json> read_run_record(const fs::path& run_dir) {
  const fs::path path = run_record_path(run_dir);
  if (!fs::exists(path)) return std::nullopt;
  json record = read_json_file(path);
  if (!record.is_object() || record.value("schema", json()) != kRunRecordSchema)
    throw UserError(fmt::format("{}: not a run record (no \"schema\": \"{}\"); move it away and rerun", path.string(),
                                kRunRecordSchema));
  // The keys `run` acts on must have their types: a damaged record must not pass for a run.
  const auto wrong = [&](const std::string& problem) {
    throw UserError(fmt::format("{}: {}; this is not a run record `run` wrote: move it away and rerun", path.string(),
                                problem));
  };
  const json status = record.value("status", json());
  if (!status.is_string() || (status != "pending" && status != "complete" && status != "failed"))
    wrong("\"status\" is " + status.dump() + ", expected \"pending\", \"complete\" or \"failed\"");
  if (record.contains("error") && !record["error"].is_string()) wrong("\"error\" is not a string");
  if (record.contains("evaluations") && !record["evaluations"].is_object()) wrong("\"evaluations\" is not an object");
  if (record.contains("labels") && !record["labels"].is_object()) wrong("\"labels\" is not an object");
  if (record.contains("data") && !record["data"].is_object()) wrong("\"data\" is not an object");
  return record;
}

void write_run_record(const fs::path& run_dir, json record) {
  record["code_version"] = code_version();
  record["updated"] = utc_now();
  write_json_atomic(run_record_path(run_dir), record);
}

namespace {

// Data identity (see run_record.h).

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

fs::path set_aside_run_record(const fs::path& run_dir) {
  const fs::path path = run_record_path(run_dir);
  fs::path aside = run_dir / "run.json.corrupt";
  for (int n = 2; fs::exists(aside); ++n) aside = run_dir / ("run.json.corrupt-" + std::to_string(n));
  fs::rename(path, aside);
  return aside;
}

bool evaluation_done(const json& record, const EvaluationSpec& spec, const fs::path& run_dir) {
  if (!record.contains("evaluations") || !record["evaluations"].is_object() ||
      !record["evaluations"].contains(spec.kind))
    return false;
  const json& entry = record["evaluations"][spec.kind];
  if (!entry.is_object() || entry.value("status", json()) != "complete" || entry.value("settings", json()) != spec.settings)
    return false;
  // The record says done; the file must say so too (a copy cut short, a disk that filled up).
  const fs::path file = run_dir / spec.file;
  if (!fs::is_regular_file(file)) return false;
  try {
    const json doc = read_json_file(file);
    validate_result(doc, file.string());
    return doc.value("kind", json()) == spec.kind && doc.contains("evaluations") && doc["evaluations"].is_array();
  } catch (const std::exception&) {
    return false;
  }
}

std::string RunProgress::describe() const {
  if (failed) return "failed: " + error;
  if (!stale.empty()) return "data changed: " + stale;
  if (complete()) return "complete";
  if (total_steps == 0) return "pending";
  if (steps < total_steps) return fmt::format("trained {}/{}", steps, total_steps);
  return fmt::format("trained, {}/{} evaluations", evaluations_done, evaluations_total);
}

RunProgress inspect_run(const Experiment& experiment, const RunSpec& run) {
  const fs::path dir = run_folder(experiment, run);
  RunProgress p;
  p.evaluations_total = static_cast<int>(run.evaluations.size());
  try {
    const auto record = read_run_record(dir);
    if (record && record->value("status", json()) == "failed") {
      p.failed = true;
      p.error = record->contains("error") && (*record)["error"].is_string() ? (*record)["error"].get<std::string>()
                                                                            : "unknown error";
    }
    const fs::path checkpoint = checkpoint_path(dir);
    if (fs::exists(checkpoint)) {
      const CheckpointMeta meta = read_checkpoint_meta(checkpoint);
      p.steps = meta.step;
      p.total_steps = meta.total_steps;
    }
    if (record) {
      for (const auto& spec : run.evaluations) p.evaluations_done += evaluation_done(*record, spec, dir) ? 1 : 0;
      const DataChange change = compare_run_data(*record, run);
      if (change.train && p.total_steps > 0)
        p.stale = "the training data is not what this run was trained on; run retrains it";
      else if (change.evaluation && p.evaluations_done > 0)
        p.stale = "the test data is not what this run was evaluated on; run redoes its evaluations";
    }
  } catch (const std::exception& e) {
    // A corrupt run.json or checkpoint is this run's failure, not the study's.
    p.failed = true;
    p.error = e.what();
  }
  return p;
}

}  // namespace mis

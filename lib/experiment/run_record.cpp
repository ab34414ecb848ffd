#include "experiment/run_record.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/version.h"
#include "eval/result_schema.h"
#include "experiment/run_data.h"
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
  if (complete()) return results_only ? "complete (results only, no checkpoint)" : "complete";
  if (total_steps == 0) return "pending";
  if (steps < total_steps) return fmt::format("trained {}/{}", steps, total_steps);
  if (results_only)
    return fmt::format("results only (no checkpoint), {}/{} evaluations: run trains it again and redoes them",
                       evaluations_done, evaluations_total);
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
    } else if (record && record->value("status", json()) == "complete" &&
               fs::is_regular_file(train_summary_path(dir))) {
      // Results kept without their checkpoints (a study committed to a repository, checkpoints
      // deleted to save space): training finished, as its summary says. Only an evaluation
      // still to do then needs the checkpoint, and `run` trains the run again for it.
      const json summary = read_json_file(train_summary_path(dir));
      if (!summary.contains("steps") || !summary["steps"].is_number_integer())
        fail_file(train_summary_path(dir), "no integer \"steps\"; delete the run folder to train the run again");
      p.steps = p.total_steps = summary["steps"].get<int64_t>();
      p.results_only = true;
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

#include "experiment/run_record.h"

#include <fmt/format.h>

#include "core/error.h"
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
  if (!record.is_object() || record.value("schema", "") != kRunRecordSchema)
    throw UserError(fmt::format("{}: not a run record (no \"schema\": \"{}\"); move it away and rerun", path.string(),
                                kRunRecordSchema));
  return record;
}

void write_run_record(const fs::path& run_dir, json record) {
  record["code_version"] = code_version();
  record["updated"] = utc_now();
  write_json_atomic(run_record_path(run_dir), record);
}

bool evaluation_done(const json& record, const EvaluationSpec& spec, const fs::path& run_dir) {
  if (!record.contains("evaluations") || !record["evaluations"].contains(spec.kind)) return false;
  const json& entry = record["evaluations"][spec.kind];
  return entry.value("status", "") == "complete" && entry.value("settings", json()) == spec.settings &&
         fs::exists(run_dir / spec.file);
}

std::string RunProgress::describe() const {
  if (failed) return "failed: " + error;
  if (complete()) return "complete";
  if (total_steps == 0) return "pending";
  if (steps < total_steps) return fmt::format("trained {}/{}", steps, total_steps);
  return fmt::format("trained, {}/{} evaluations", evaluations_done, evaluations_total);
}

RunProgress inspect_run(const Experiment& experiment, const RunSpec& run) {
  const fs::path dir = run_folder(experiment, run);
  RunProgress p;
  p.evaluations_total = static_cast<int>(run.evaluations.size());
  const fs::path checkpoint = checkpoint_path(dir);
  if (fs::exists(checkpoint)) {
    const CheckpointMeta meta = read_checkpoint_meta(checkpoint);
    p.steps = meta.step;
    p.total_steps = meta.total_steps;
  }
  if (const auto record = read_run_record(dir)) {
    for (const auto& spec : run.evaluations) p.evaluations_done += evaluation_done(*record, spec, dir) ? 1 : 0;
    if (record->value("status", "") == "failed") {
      p.failed = true;
      p.error = record->value("error", "unknown error");
    }
  }
  return p;
}

}  // namespace mis

#pragma once
// Loading runs for the report: a run is one training run (one dataset, architecture, loss
// variant, seed) and the result files measured on it (eval, noise-sweep, calibrate, explain).
//
// Two sources:
//  * RESULTS_DIR/runs/<id>/run.json written by `run` ({"schema": "mis-spectral/run", "status",
//    "labels": {dataset, model, variant, group, setting, seed}, "train_config"}) and the result
//    files beside it. A run that is pending or failed is kept, without results, so its cells
//    read "missing"/"failed" rather than vanishing or turning into zeros. A run.json whose
//    status or labels are missing or of the wrong type is an error naming it.
//  Names that start with "." (a run's .superseded/ outputs, writers' temporary files) are skipped.
//  * result files with no run.json beside them (hand-run `eval` etc.): grouped by their
//    train_config and labelled by inference (dataset = the training data's name, model =
//    train_config.model.name, variant = spatial when loss.lambda == 0, group "main").
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "experiment/run_labels.h"

namespace mis {

struct Run {
  std::string id;
  std::filesystem::path dir;      // the run folder (or the folder of a loose result)
  std::string status = "complete";  // complete | failed | pending
  std::string error;               // why it failed
  RunLabels labels;
  json train_config;
  // Result documents by kind; explain_dir is the folder explain.json's image paths are relative to.
  std::optional<json> eval, noise, calibrate, explain;
  std::filesystem::path explain_dir;
  // The lines of the run's train_log.jsonl (lib/train/trainer.cpp: {"step", "loss", "spatial",
  // "spectral", "lr", ...} every log_every steps, {"step", "val_dsc", ...} at validations), from
  // the run folder, else from train_config.output; empty when neither has one. A line that does
  // not parse (the last one of a killed training) is left out.
  std::vector<json> train_log;
};

// Reads runs from result folders (searched recursively for run.json and result files) and
// result files named directly. A named file that is not a result is an error naming it.
std::vector<Run> load_runs(const std::vector<std::filesystem::path>& paths);

// The labels inferred for a result without run.json (see above).
RunLabels infer_labels(const json& result);

// "Name" of an experiment: RESULTS_DIR/experiment.json's "name" when given, else empty.
std::string experiment_name(const std::vector<std::filesystem::path>& paths);

}  // namespace mis

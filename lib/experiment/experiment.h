#pragma once
// Experiment files: a study written as JSON (datasets, architectures, loss settings, seeds,
// training settings, the evaluations to run) and expanded into runs. The format is documented
// in experiments/README.md; the shape in brief:
//
// {
//   "name": "synthetic", "description": "...", "results": "results/synthetic",
//   "prepare":  {"synthetic": {...synth settings, "output": "data/synthetic"}},   // generated when absent
//   "datasets": {"synthetic": {"data": "data/synthetic/source", "ood": ["data/synthetic/scanner-b"],
//                              "train": {...per-dataset training overrides}}},
//   "models":   {"unet-small": {"name": "unet-small", "options": {}}},
//   "losses":   {"spatial": {"lambda": 0}, "spectral": {"lambda": 0.5, "spectral_mode": "amplitude"}},
//   "train":    {...training settings shared by every run (the keys of `train --config`)},
//   "evaluations": {"eval": {...}, "noise-sweep": {...}, "calibrate": {...}, "explain": {...}},
//   "grid": [{"group": "main", "datasets": [...], "models": [...], "losses": [...], "seeds": [0, 1, 2],
//             "evaluations": ["eval", ...] (default: all), "train": {...overrides}}]
// }
//
// Each grid entry is the product datasets x models x losses x seeds; the same training named twice
// (in two entries, or under two loss names with equal settings) is one run, labelled where it
// was named first.
#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/synth/synth_dataset.h"
#include "experiment/run_labels.h"
#include "train/train_config.h"

namespace mis {

// One evaluation of a trained run: which command, the settings the experiment gives it (before
// the run's own paths are filled in), and the result file it writes in the run folder.
struct EvaluationSpec {
  std::string kind;  // "eval" | "noise-sweep" | "calibrate" | "explain"
  json settings;
  std::string file;  // e.g. "eval.json"
};

struct RunSpec {
  std::string id;  // <dataset>-<model>-<loss>-s<seed>-<hash of the training identity>
  RunLabels labels;
  TrainConfig train;  // output = the run folder; data resolved against the work folder
  std::string data;   // IID dataset folder (resolved)
  std::vector<std::string> ood;  // OOD dataset folders (resolved)
  std::vector<EvaluationSpec> evaluations;
};

struct Experiment {
  std::string name;
  std::string description;
  std::filesystem::path source;       // the experiment file
  std::filesystem::path results;      // results folder (resolved); runs go to results/runs/<id>
  std::vector<SynthConfig> prepare;   // synthetic datasets to generate when absent (outputs resolved)
  std::vector<RunSpec> runs;          // in a fixed order: grid entries, then datasets, models, losses, seeds
  json document;                      // the file as read
};

// Reads and expands an experiment file. Relative paths in it (data, prepare outputs, results)
// resolve against `work_dir`; `results_override` (when not empty) replaces "results".
// Every mistake is a UserError naming the file and the key.
Experiment load_experiment(const std::filesystem::path& file, const std::filesystem::path& work_dir,
                           const std::filesystem::path& results_override = {});

// `run --checkpoint-kind last|best`: every evaluation of every run loads that checkpoint of its
// run (train/trainer.h, resolve_checkpoint). It becomes part of each evaluation's settings, so a
// changed kind evaluates again ("last", the default, by leaving the key out). "best" needs validation in every run's training settings; a run
// without it is a UserError naming the experiment file.
void use_checkpoint_kind(Experiment& experiment, const std::string& kind);

// The run folder of `run` inside `experiment`.
std::filesystem::path run_folder(const Experiment& experiment, const RunSpec& run);

}  // namespace mis

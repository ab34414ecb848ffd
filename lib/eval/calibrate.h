#pragma once
// `calibrate`: pixel-wise calibration (ECE, MCE, Brier, NLL and reliability bins, pooled over all
// pixels of each test set; docs/method.md sections 3-4) of a checkpoint on IID and OOD data, and
// optionally temperature scaling (Guo et al. 2017) fitted on another split, reported before/after.
#include <string>
#include <vector>

#include "core/config.h"
#include "eval/evaluator.h"

namespace mis {

struct CalibrateConfig {
  std::string checkpoint;                // a checkpoint.pt written by train, or its run folder
  std::string checkpoint_kind = "last";  // last | best (train/trainer.h, resolve_checkpoint)
  std::string data;                      // in-distribution dataset
  std::string split = "test";            // the split of `data` to measure
  std::vector<std::string> ood;          // out-of-distribution datasets (their test split)
  std::string temperature_split;         // "" (no scaling) | "train" | "test": split of `data` T is fitted on
  int64_t temperature_pixels = 4000000;  // at most this many pixels (a seeded sample) for the fit
  std::uint64_t seed = 0;                // the pixel sample of the fit
  std::string output;
  int64_t batch_size = 16;
  int threads = 0;
  std::string device = "cpu";
};

MIS_CONFIG_KEYS(CalibrateConfig, checkpoint, checkpoint_kind, data, split, ood, temperature_split, temperature_pixels,
                seed, output, batch_size, threads, device)
void validate(const CalibrateConfig& c, const std::string& source);

// Runs `calibrate`: writes config.output atomically and returns the document.
json run_calibrate(const CalibrateConfig& config);

}  // namespace mis

#pragma once
// `noise-sweep`: a checkpoint evaluated on test inputs corrupted by each type at each level
// (docs/method.md section 4). The corruption of a case at a (type, level) is seeded by
// (seed, case id, type, level) only, so two models given the same seed see identical inputs and
// can be compared pair-wise. Each (type, level) is one entry of "evaluations" with
// "role": "noise" and "noise": {"type", "level"}: per-case DSC/IoU/HD95/..., their summary and
// the pooled calibration (ECE, MCE, Brier, NLL, reliability bins).
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "eval/corruptions.h"

namespace mis {

struct NoiseSweepConfig {
  std::string checkpoint;                // a checkpoint.pt written by train, or its run folder
  std::string checkpoint_kind = "last";  // last | best (train/trainer.h, resolve_checkpoint)
  std::string data;
  std::string split = "test";
  std::vector<std::string> types = corruption_names();
  std::vector<double> levels{0.0, 0.05, 0.1, 0.2};
  // Levels for particular types, replacing `levels` for them: blur's level is a sigma in pixels
  // and gamma's an exponent shift, so a sweep usually wants other values for those.
  std::map<std::string, std::vector<double>> type_levels;
  std::uint64_t seed = 0;
  std::string output;
  int64_t batch_size = 16;
  std::string convention = "nnunet";
  std::string hd95 = "medpy";  // medpy | monai | off
  int threads = 0;
  std::string device = "cpu";
};

MIS_CONFIG_KEYS(NoiseSweepConfig, checkpoint, checkpoint_kind, data, split, types, levels, type_levels, seed, output,
                batch_size, convention, hd95, threads, device)
void validate(const NoiseSweepConfig& c, const std::string& source);

// The levels swept for `type` (its own list from type_levels, else `levels`).
const std::vector<double>& levels_for(const NoiseSweepConfig& c, const std::string& type);

// Runs `noise-sweep`: writes config.output atomically and returns the document.
json run_noise_sweep(const NoiseSweepConfig& config);

}  // namespace mis

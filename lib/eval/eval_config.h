#pragma once
// Everything `eval` needs, in one struct (flags and --config files map onto its JSON form).
#include <string>
#include <vector>

#include "core/config.h"

namespace mis {

struct EvalConfig {
  std::string checkpoint;            // a checkpoint.pt written by train, or its run folder
  std::string checkpoint_kind = "last";  // last | best (train/trainer.h, resolve_checkpoint)
  std::string data;                  // the in-distribution dataset
  std::string split = "test";        // which split of `data` (train|test)
  std::vector<std::string> ood;      // out-of-distribution datasets (their test split)
  std::string output;                // result JSON path
  int64_t batch_size = 16;           // slices per forward pass
  std::string convention = "nnunet"; // empty-mask rule: nnunet | transunet
  std::string hd95 = "medpy";        // HD95 definition: medpy | monai | off
  std::string save_predictions;      // folder for predicted label maps ("" = none)
  bool save_probabilities = false;   // also the softmax probability of each class (needs save_predictions)
  int threads = 0;
  std::string device = "cpu";
};

MIS_CONFIG_KEYS(EvalConfig, checkpoint, checkpoint_kind, data, split, ood, output, batch_size, convention, hd95,
                save_predictions, save_probabilities, threads, device)
void validate(const EvalConfig& c, const std::string& source);

}  // namespace mis

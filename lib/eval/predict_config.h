#pragma once
// Everything `predict` needs, in one struct (flags and --config files map onto its JSON form).
#include <string>

#include "core/config.h"

namespace mis {

struct PredictConfig {
  std::string checkpoint;                // a checkpoint.pt written by train, or its run folder
  std::string checkpoint_kind = "last";  // last | best (train/trainer.h, resolve_checkpoint)
  std::string input;                     // raw images: a folder, one file, or a dataset folder (its imagesTs)
  std::string output;                    // folder for the label maps (and predict.json)
  bool tta = false;                      // mirroring test-time augmentation (4 forward passes per slice)
  bool save_probabilities = false;       // also each class's softmax map (float NIfTI) in OUTPUT/probabilities
  int64_t batch_size = 16;               // slices per forward pass
  std::string precision = "checkpoint";  // checkpoint (as trained) | fp32 | bf16
  int threads = 0;
  std::string device = "cpu";
};

MIS_CONFIG_KEYS(PredictConfig, checkpoint, checkpoint_kind, input, output, tta, save_probabilities, batch_size,
                precision, threads, device)
void validate(const PredictConfig& c, const std::string& source);

}  // namespace mis

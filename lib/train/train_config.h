#pragma once
// Everything `train` needs, in one struct. Its JSON form is what --config files hold, what
// checkpoints record and what results quote; flags override individual keys.
#include <string>

#include "core/config.h"
#include "data/augment.h"
#include "data/intensity.h"
#include "losses/objective.h"
#include "models/registry.h"

namespace mis {

struct OptimizerConfig {
  std::string name = "sgd";  // "sgd" (TransUNet: momentum 0.9, wd 1e-4, poly decay) or "adamw"
  double lr = 0.01;
  double momentum = 0.9;
  double weight_decay = 1e-4;
  double poly_power = 0.9;  // lr_t = lr * (1 - t / T)^power
};

// Validation during training (train/validation.h): held-out training cases scored every few
// steps, checkpoint_best.pt kept beside checkpoint.pt. Off by default, as in the paper, whose
// models are the last checkpoint.
struct ValidationConfig {
  std::string split;      // "" (off) | "val": fold 0's "val" cases of the data folder's splits.json (preprocess writes it)
  double fraction = 0.0;  // > 0 (instead of split): this seeded fraction of the training cases
  int64_t every = 0;      // score every N steps; 0 = at every checkpoint (checkpoint_every)
  int64_t slices = 64;    // the fixed, evenly spaced subset of validation slices scored
  bool enabled() const { return !split.empty() || fraction > 0.0; }
};

MIS_CONFIG_KEYS(OptimizerConfig, name, lr, momentum, weight_decay, poly_power)
MIS_CONFIG_KEYS(ValidationConfig, split, fraction, every, slices)

struct TrainConfig {
  std::string data;            // dataset folder (nnU-Net v2 raw layout)
  std::string split = "train";
  std::string output;          // run folder: checkpoint.pt, train_log.jsonl, train_summary.json
  ModelSpec model;             // in_channels/num_classes are filled from the dataset
  LossConfig loss;
  OptimizerConfig optimizer;
  int64_t iterations = 0;      // total steps; when 0, `epochs` passes over the training slices
  int64_t epochs = 0;
  int64_t batch_size = 8;
  int64_t patch_size = 0;      // slices resized to patch_size^2; 0 keeps the native size
  Normalization normalization = Normalization::zscore;
  AugmentOptions augment;
  ValidationConfig validation;
  std::uint64_t seed = 0;
  int64_t checkpoint_every = 200;
  int64_t log_every = 10;
  int threads = 0;             // 0 = all cores
  std::string device = "cpu";
  std::string precision = "fp32";  // "fp32" | "bf16" (autocast; train/precision.h)
  // NHWC weights and activations (train/step.h): measured 1.35x faster for the UNet step on an
  // AVX-512 CPU in fp32 (results/bench/), so it is the default.
  bool channels_last = true;
};

// Written by hand around the parts that have their own JSON form (model, loss, augment,
// normalization); the rest as core/config.h's MIS_CONFIG_KEYS would.
void to_json(json& j, const TrainConfig& c);
void from_json(const json& j, TrainConfig& c);
inline json to_json(const TrainConfig& c) { return json(c); }
void validate(const TrainConfig& c, const std::string& source);
// config_from_json<TrainConfig> of the settings as written, after upgrade_legacy_train_settings:
// keys missing from `j` take their defaults, unknown keys are an error naming `source`, keys
// renamed since are read as their new names.
TrainConfig train_config_from_json(const json& j, const std::string& source);
// Train settings as written (a config file, an experiment's "train" blocks, a checkpoint's
// record) with old keys replaced by what replaced them: augment.rot90_flip (upgrade_legacy_augment).
// Apply it before merging into the defaults, whose new keys would otherwise hide the old one.
json upgrade_legacy_train_settings(json settings);

// The keys that define what is trained (not where or how fast): checkpoints must agree on
// these to be resumed, and experiment ids hash them. `precision` is part of it (bf16 rounds
// every convolution); `channels_last` is not: like the thread count it only changes the order
// of floating-point sums inside a convolution, so a run may be resumed with it switched.
json identity_of(const TrainConfig& c);

// A recorded train config (a result's "train_config") without the settings that change how a
// run trains but not what (threads, device, checkpoint and log intervals, memory layout, how
// often and on how many slices validation scores): the one list that identity_of and the
// report's grouping of results by training run share. Which cases validation holds out changes
// what is trained; with validation off the key is dropped, so runs keep the identity they had
// before validation existed. Likewise augmentation settings enter only as far as they differ
// from those that existed before the per-axis split and the intensity transforms (augment_identity).
json without_runtime_settings(json train_config);

// Steps between validations: validation.every, or checkpoint_every when that is 0.
inline int64_t validation_interval(const TrainConfig& c) {
  return c.validation.every > 0 ? c.validation.every : c.checkpoint_every;
}

// Total optimiser steps for a dataset of `num_slices` slices.
int64_t total_steps(const TrainConfig& c, int64_t num_slices);

}  // namespace mis

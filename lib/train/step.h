#pragma once
// One training step, shared by `train` and `bench` so that the benchmark times exactly the
// step users run: batch assembly (augmentation), host-to-device copy, forward under the
// chosen precision, the objective in float32, backward and the optimiser update.
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "data/augment.h"
#include "data/slices.h"
#include "losses/objective.h"
#include "models/segmentation_model.h"
#include "train/precision.h"

namespace mis {

struct TrainBatch {
  torch::Tensor images;  // [B, C, H, W] float32
  torch::Tensor labels;  // [B, H, W] int64
};

// Augments pool items `indices` with per-sample seeds derive_seed(seed, {0xA06, step, b}).
// `pin`: place the batch in page-locked memory so the copy to a CUDA device can be asynchronous
// (the pinning then happens on the prefetch thread, not inside the step).
TrainBatch make_train_batch(const SlicePool& pool, const std::vector<int64_t>& indices, const AugmentOptions& augment,
                            std::uint64_t seed, int64_t step, bool pin = false);

struct StepSettings {
  torch::Device device = torch::kCPU;
  Precision precision = Precision::fp32;
  // NHWC activations and weights: oneDNN's native layout on CPUs (no reorders around each
  // convolution) and the tensor-core layout on GPUs.
  bool channels_last = false;
};

// Moves the model to the device and, with channels_last, its 4-D weights to NHWC. Call before
// building the optimiser's state (momentum buffers then take the same layout).
void prepare_model(torch::nn::Module& model, const StepSettings& settings);

// `t` with channels-last strides (suggest_memory_format() == ChannelsLast), also when it has
// one channel, where contiguous(ChannelsLast) would leave NCHW strides in place.
torch::Tensor with_channels_last_strides(const torch::Tensor& t);

// The batch's images on the step's device and in its memory format.
torch::Tensor step_input(const torch::Tensor& images, const StepSettings& settings);

// Forward pass (under autocast for bf16) and the objective, computed in float32.
LossTerms forward_objective(SegmentationModelImpl& model, const TrainBatch& batch, const LossConfig& loss,
                            const StepSettings& settings);

// forward_objective, zero_grad, backward, optimiser step. Nothing here waits for the device:
// the returned terms are read afterwards with read_loss_terms. In bf16 it throws while weight
// casts are kept for inference on this thread (train/precision.h, KeptWeightCasts).
LossTerms train_step(SegmentationModelImpl& model, torch::optim::Optimizer& optimizer, const TrainBatch& batch,
                     const LossConfig& loss, const StepSettings& settings);

// A step's loss on the host: the total and each named term, in registry order.
struct LossValues {
  double total = 0;
  std::vector<std::pair<std::string, double>> terms;
};

// The total and every term as doubles in ONE device-to-host copy (the step's only sync).
LossValues read_loss_terms(const LossTerms& terms);

}  // namespace mis

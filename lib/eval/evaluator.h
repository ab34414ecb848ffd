#pragma once
// Per-volume evaluation: a volume is predicted slice by slice at the training size, the
// logits are resized back to the volume's own grid, and the metrics are computed in 3-D.
#include "data/dataset.h"
#include "data/intensity.h"
#include "eval/eval_config.h"
#include "metrics/hd95.h"
#include "metrics/overlap.h"
#include "models/segmentation_model.h"
#include "train/checkpoint.h"
#include "train/step.h"

namespace mis {

struct InferenceSettings {
  Normalization normalization = Normalization::zscore;
  int64_t patch_size = 0;  // 0: the native slice size
  int64_t batch_size = 16;
  // Device, precision and memory layout, as the training step takes them: a forward pass at
  // inference is the training forward without its gradients.
  StepSettings compute{torch::kCPU, Precision::fp32, /*channels_last=*/true};
  // The model's size divisor (2^depth for the UNets, 16 for TransUNet) and name: slices fed at
  // their native size (patch_size 0) must be multiples of it.
  int64_t size_divisor = 1;
  std::string model_name;
  // Mirroring test-time augmentation (predict --tta): the logits averaged over the slice and its
  // flips along x, y and both, as nnU-Net v2 averages logits over its mirror axes. 4x the work.
  bool mirror_tta = false;
};
json to_json(const InferenceSettings& settings);  // what result files record: precision, layout, batch

// A checkpoint ready for inference: the model (eval mode, on the device, in the layout) and the
// settings it was trained with (normalisation, patch size, precision). A bf16 checkpoint runs in
// bf16 where the device runs bf16 natively (CUDA, AMX, AVX512_BF16) and in fp32 elsewhere, with a
// note on stderr: emulated bf16 is slower than fp32 and changes nothing a metric can see.
// Under bf16 the parameters autocast converts (convolutions' and linear layers') are converted
// once, at the first batch, and the copies reused for the model's life (train/precision.h,
// KeptWeightCasts; the parameters themselves stay float32). Move-only: the copies' owner is one.
struct InferenceModel {
  LoadedModel loaded;
  InferenceSettings settings;
  std::unique_ptr<KeptWeightCasts> kept_weight_casts;
};
InferenceModel load_for_inference(const std::string& checkpoint, int64_t batch_size, const torch::Device& device);

// A dataset whose label names differ from the model's classes is a UserError naming both.
void check_classes(const Dataset& dataset, const std::vector<std::string>& class_names);

// Slices reach the model at the training patch size, or at their own size when the model was
// trained at the native size (patch_size 0); the latter must be a multiple of the model's size
// divisor. A UserError "<dataset>: case X has slices of HxW, ..." naming the divisor and the fix
// otherwise (LibTorch would fail deep inside the model with "Sizes of tensors must match").
void check_inference_size(const Dataset& dataset, const Case& c, const InferenceSettings& settings);

// Logits [K, Z, Y, X] on the case's own grid (CPU, float32): the volume is predicted slice by
// slice at the training size and the logits are resized bilinearly to the case's slice size
// (with settings.mirror_tta, averaged over the mirrored slices first).
torch::Tensor predict_logits(SegmentationModelImpl& model, const Case& c, const InferenceSettings& settings);

// softmax(predict_logits(...), 0): probabilities [K, Z, Y, X].
torch::Tensor predict_probabilities(SegmentationModelImpl& model, const Case& c, const InferenceSettings& settings);

// Scores of one case: {"id", "domain", "metrics": {class: {...}}} for the foreground classes;
// with `hd95`, each class also has "hd95" (null where the convention leaves it undefined).
json score_case(const std::string& id, const std::string& domain, const torch::Tensor& prediction,
                const torch::Tensor& reference, const std::vector<std::string>& class_names,
                EmptyConvention convention, const Hd95Request* hd95 = nullptr);

// Runs the whole `eval` command: writes config.output atomically and returns the document.
json run_eval(const EvalConfig& config);

}  // namespace mis

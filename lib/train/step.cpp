#include "train/step.h"

#include "core/rng.h"

namespace mis {

TrainBatch make_train_batch(const SlicePool& pool, const std::vector<int64_t>& indices, const AugmentOptions& augment,
                            std::uint64_t seed, int64_t step, bool pin) {
  std::vector<torch::Tensor> images, labels;
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const Sample in{pool.images[indices[b]], pool.labels[indices[b]].to(torch::kLong)};
    const Sample out = augment_sample(in, augment, derive_seed(seed, {0xA06ull, static_cast<std::uint64_t>(step), b}));
    images.push_back(out.image);
    labels.push_back(out.label);
  }
  TrainBatch batch{torch::stack(images), torch::stack(labels)};
  if (pin) {
    batch.images = batch.images.pin_memory();
    batch.labels = batch.labels.pin_memory();
  }
  return batch;
}

void prepare_model(torch::nn::Module& model, const StepSettings& settings) {
  model.to(settings.device);
  if (!settings.channels_last) return;
  // nn::Module::to has no memory-format overload in C++; set_data keeps each parameter's
  // identity (and registration) while changing its strides.
  torch::NoGradGuard no_grad;
  for (auto& p : model.parameters())
    if (p.dim() == 4) p.set_data(with_channels_last_strides(p));
}

torch::Tensor with_channels_last_strides(const torch::Tensor& t) {
  // Not t.contiguous(ChannelsLast): with one channel (the stem's weight [64, 1, 3, 3], a grey
  // image) a plain NCHW tensor already counts as channels-last contiguous and comes back
  // unchanged, its strides still say NCHW, and oneDNN then runs the whole first block in NCHW
  // with reorders around it (measured: 2.7% of the UNet step). Tensor::to with a memory format,
  // like Python's Module.to(memory_format=...), restrides whenever the strides suggest NCHW.
  return t.to(t.options(), /*non_blocking=*/false, /*copy=*/false, torch::MemoryFormat::ChannelsLast);
}

torch::Tensor step_input(const torch::Tensor& images, const StepSettings& settings) {
  // non_blocking only matters (and is only safe) from pinned memory to a CUDA device.
  auto x = images.to(settings.device, /*non_blocking=*/images.is_pinned());
  return settings.channels_last ? with_channels_last_strides(x) : x;
}

LossTerms forward_objective(SegmentationModelImpl& model, const TrainBatch& batch, const LossConfig& loss,
                            const StepSettings& settings) {
  torch::Tensor logits;
  {
    AutocastGuard autocast(settings.precision, settings.device);
    logits = model.forward(step_input(batch.images, settings));
  }
  // The objective (softmax, FFT, correlations) stays float32: cuFFT/pocketfft have no bf16
  // transforms, and the SCC's variances lose too much in bf16's 8-bit mantissa.
  logits = logits.to(torch::kFloat32).contiguous();
  const auto labels = batch.labels.to(settings.device, /*non_blocking=*/batch.labels.is_pinned());
  return compute_objective(logits, labels, loss);
}

LossTerms train_step(SegmentationModelImpl& model, torch::optim::Optimizer& optimizer, const TrainBatch& batch,
                     const LossConfig& loss, const StepSettings& settings) {
  LossTerms terms = forward_objective(model, batch, loss, settings);
  // Gradients dropped rather than zeroed (PyTorch 2's zero_grad(set_to_none=True)): backward then
  // writes each gradient once instead of filling zeros and adding into them.
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params()) p.mutable_grad().reset();
  terms.total.backward();
  optimizer.step();
  return terms;
}

LossValues read_loss_terms(const LossTerms& terms) {
  std::vector<torch::Tensor> parts{terms.total.detach()};
  for (const auto& t : terms.terms) parts.push_back(t.value.detach());
  const auto host = torch::stack(parts).to(torch::kCPU, torch::kDouble);
  const auto a = host.accessor<double, 1>();
  LossValues v;
  v.total = a[0];
  for (size_t i = 0; i < terms.terms.size(); ++i) v.terms.emplace_back(terms.terms[i].name, a[static_cast<int64_t>(i) + 1]);
  return v;
}

}  // namespace mis

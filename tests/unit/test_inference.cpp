// Volume inference (eval, noise-sweep, calibrate, explain all predict through it): the logits of
// predict_logits against a slice-by-slice forward pass written out here, in both memory layouts,
// in batches of any size, resized back to the case's grid; bf16 autocast close to fp32 but not
// equal to it (so it really ran in bf16).
#include <doctest/doctest.h>

#include "eval/evaluator.h"
#include "train/train_config.h"
#include "support.h"

using namespace mis;
namespace F = torch::nn::functional;

namespace {

SegmentationModel inference_small_unet() {
  ModelSpec spec{"unet-small", {{"base_width", 4}, {"depth", 2}}, 1, 3};
  torch::manual_seed(5);
  auto model = make_model(spec);
  model->eval();
  return model;
}

Case random_case(int64_t slices, int64_t height, int64_t width) {
  torch::manual_seed(9);
  Case c;
  c.id = "case";
  c.image = torch::randn({1, slices, height, width}) * 3 + 1;
  return c;
}

// The reference: each slice alone through the (NCHW, fp32) model, then bilinearly resized.
torch::Tensor slice_by_slice(SegmentationModelImpl& model, const Case& c, int64_t patch) {
  torch::NoGradGuard no_grad;
  const auto volume = normalize_volume(c.image, Normalization::zscore);  // [C, Z, Y, X]
  std::vector<torch::Tensor> out;
  for (int64_t z = 0; z < volume.size(1); ++z) {
    auto x = volume.select(1, z).unsqueeze(0);  // [1, C, Y, X]
    if (patch > 0)
      x = F::interpolate(x, F::InterpolateFuncOptions()
                                .size(std::vector<int64_t>{patch, patch})
                                .mode(torch::kBilinear)
                                .align_corners(false));
    auto logits = model.forward(x);
    logits = F::interpolate(logits, F::InterpolateFuncOptions()
                                        .size(std::vector<int64_t>{c.image.size(2), c.image.size(3)})
                                        .mode(torch::kBilinear)
                                        .align_corners(false));
    out.push_back(logits[0]);
  }
  return torch::stack(out, 1);  // [K, Z, Y, X]
}

InferenceSettings settings_for(int64_t patch, int64_t batch, bool channels_last, Precision precision) {
  InferenceSettings s;
  s.normalization = Normalization::zscore;
  s.patch_size = patch;
  s.batch_size = batch;
  s.compute = StepSettings{torch::kCPU, precision, channels_last};
  return s;
}

}  // namespace

TEST_CASE("predict_logits equals a slice-by-slice forward pass, in both layouts and any batch size") {
  for (const int64_t patch : {0, 16}) {  // native slice size, and resized to 16 and back to 20x24
    auto model = inference_small_unet();
    const Case c = random_case(5, patch == 0 ? 16 : 20, patch == 0 ? 16 : 24);
    const auto expected = slice_by_slice(*model, c, patch);
    CAPTURE(patch);
    for (const int64_t batch : {1, 2, 16}) {
      const auto nchw = predict_logits(*model, c, settings_for(patch, batch, false, Precision::fp32));
      CHECK(nchw.sizes() == expected.sizes());
      CHECK(torch::allclose(nchw, expected, 1e-4, 1e-5));
    }
    // The channels-last weights of prepare_model: the same function up to float rounding.
    const auto cl = settings_for(patch, 2, true, Precision::fp32);
    prepare_model(*model, cl.compute);
    CHECK(model->parameters()[0].is_contiguous(torch::MemoryFormat::ChannelsLast));
    const auto logits = predict_logits(*model, c, cl);
    CHECK(torch::allclose(logits, expected, 1e-4, 1e-5));
    // Probabilities: the softmax over classes, summing to one at every voxel.
    const auto probabilities = predict_probabilities(*model, c, cl);
    CHECK(torch::allclose(probabilities, torch::softmax(expected, 0), 1e-5, 1e-6));
    CHECK(torch::allclose(probabilities.sum(0), torch::ones_like(probabilities[0]), 0, 1e-5));
  }
}

TEST_CASE("bf16 inference runs in bf16: close to fp32, not equal, returned as float32") {
  auto model = inference_small_unet();
  const Case c = random_case(3, 16, 16);
  const auto fp32 = predict_logits(*model, c, settings_for(0, 4, false, Precision::fp32));
  const auto bf16 = predict_logits(*model, c, settings_for(0, 4, false, Precision::bf16));
  CHECK((bf16.scalar_type() == torch::kFloat32));
  const double scale = fp32.abs().max().item<double>();
  const double diff = (bf16 - fp32).abs().max().item<double>();
  CHECK(diff > 0);              // float32 all the way would give exactly the fp32 logits
  CHECK(diff < 0.05 * scale);   // bf16 keeps 8 mantissa bits: about 0.4% per rounding
}

TEST_CASE("the inference settings a result file records") {
  const json j = to_json(settings_for(0, 8, true, Precision::bf16));
  CHECK(j.at("precision") == "bf16");
  CHECK(j.at("channels_last") == true);
  CHECK(j.at("batch_size") == 8);
}

TEST_CASE("load_for_inference: the checkpoint's precision where this device runs it natively, else fp32") {
  TempDir dir("inference");
  const ModelSpec spec{"unet-small", {{"base_width", 4}, {"depth", 2}}, 1, 3};
  const bool native = this_cpu_bf16_support() == Bf16Support::native;  // the CPU's own flags
  for (const std::string trained : {"fp32", "bf16"}) {
    CAPTURE(trained);
    TrainConfig config;
    config.model = spec;
    config.precision = trained;
    config.patch_size = 32;
    CheckpointMeta meta;
    meta.train_config = to_json(config);
    meta.model = to_json(spec);
    meta.class_names = {"background", "a", "b"};
    auto model = inference_small_unet();
    const auto path = dir.path / (trained + ".pt");
    save_checkpoint(path, meta, *model, nullptr);

    const InferenceModel m = load_for_inference(path.string(), 8, torch::kCPU);
    const Precision expected = trained == "bf16" && native ? Precision::bf16 : Precision::fp32;
    CHECK((m.settings.compute.precision == expected));
    CHECK(m.settings.compute.channels_last);
    CHECK(m.settings.patch_size == 32);
    CHECK(m.settings.batch_size == 8);
    CHECK_FALSE(m.loaded.model->is_training());
    for (const auto& p : m.loaded.model->parameters())  // prepared: the one-channel stem too
      if (p.dim() == 4) CHECK((p.suggest_memory_format() == torch::MemoryFormat::ChannelsLast));
    CHECK(KeptWeightCasts::any_alive());  // its bf16 weight copies live as long as it does
    for (const auto& p : m.loaded.model->parameters())  // autocast caches only these
      CHECK((p.requires_grad() && p.is_leaf() && !p.is_view()));
  }
  CHECK_FALSE(KeptWeightCasts::any_alive());
}

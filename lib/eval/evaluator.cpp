#include "eval/evaluator.h"

#include <chrono>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "data/slices.h"
#include "data/volume_io.h"
#include "eval/checkpoint_command.h"
#include "eval/prediction_writer.h"
#include "eval/result_schema.h"
#include "metrics/calibration.h"
#include "train/train_config.h"

namespace mis {

namespace F = torch::nn::functional;

json to_json(const InferenceSettings& s) {
  return {{"precision", to_string(s.compute.precision)},
          {"channels_last", s.compute.channels_last},
          {"batch_size", s.batch_size},
          {"mirror_tta", s.mirror_tta}};
}

InferenceModel load_for_inference(const std::string& checkpoint, int64_t batch_size, const torch::Device& device) {
  InferenceModel m{load_model_for_inference(checkpoint, device), {}, nullptr};
  const TrainConfig train_config = train_config_from_json(m.loaded.meta.train_config, checkpoint);
  InferenceSettings& s = m.settings;
  s.normalization = train_config.normalization;
  s.patch_size = train_config.patch_size;
  s.batch_size = batch_size;
  s.compute.device = device;
  s.compute.precision = parse_precision(train_config.precision);
  const bool native_bf16 = device.is_cuda() || this_cpu_bf16_support() == Bf16Support::native;
  if (s.compute.precision == Precision::bf16 && !native_bf16) {
    fmt::print(stderr, "note: {} was trained in bf16; this CPU has no native bf16, so inference runs in fp32\n",
               checkpoint);
    s.compute.precision = Precision::fp32;
  }
  s.size_divisor = m.loaded.model->size_divisor();
  s.model_name = m.loaded.spec.name;
  m.loaded.model->fold_for_inference();  // before prepare_model, which gives the new weights their layout
  prepare_model(*m.loaded.model, s.compute);
  m.kept_weight_casts = std::make_unique<KeptWeightCasts>();  // after the last change to the weights
  return m;
}

namespace {

// The message both size checks give; `where` is the dataset's location, or "" inside predict_logits.
std::string inference_size_problem(const Case& c, const InferenceSettings& s) {
  if (s.patch_size > 0 || s.size_divisor <= 1) return "";
  const int64_t height = c.image.size(2), width = c.image.size(3);
  if (height % s.size_divisor == 0 && width % s.size_divisor == 0) return "";
  const auto up = [&](int64_t n) { return (n + s.size_divisor - 1) / s.size_divisor * s.size_divisor; };
  return fmt::format("case {} has slices of {}x{} (width x height), but model {} was trained at the native slice size "
                     "and needs sizes divisible by {}; resample the data to a multiple of {} (preprocess "
                     "--volume-size / --size {}) or train with --patch-size {} so that slices are resized",
                     c.id, width, height, s.model_name.empty() ? "(this checkpoint)" : s.model_name, s.size_divisor,
                     s.size_divisor, up(std::max(height, width)), up(std::max(height, width)));
}

}  // namespace

void check_inference_size(const Dataset& dataset, const Case& c, const InferenceSettings& s) {
  const std::string problem = inference_size_problem(c, s);
  if (!problem.empty()) throw UserError(dataset.location() + ": " + problem);
}

void check_classes(const Dataset& dataset, const std::vector<std::string>& class_names) {
  if (dataset.info().class_names != class_names)
    throw UserError(fmt::format("{}: its labels ({}) differ from the model's classes ({})", dataset.location(),
                                json(dataset.info().class_names).dump(), json(class_names).dump()));
}

torch::Tensor predict_logits(SegmentationModelImpl& model, const Case& c, const InferenceSettings& s) {
  torch::NoGradGuard no_grad;
  if (const std::string problem = inference_size_problem(c, s); !problem.empty()) throw UserError(problem);
  const auto slices = image_to_slices(normalize_volume(c.image, s.normalization), s.patch_size);  // [Z, C, H, W]
  const int64_t height = c.image.size(2), width = c.image.size(3);
  std::vector<torch::Tensor> out;
  for (int64_t z = 0; z < slices.size(0); z += s.batch_size) {
    const auto batch = slices.slice(0, z, z + s.batch_size);
    const auto forward = [&](const torch::Tensor& x) {
      AutocastGuard autocast(s.compute.precision, s.compute.device);
      return model.forward(step_input(x, s.compute)).to(torch::kFloat32);
    };
    torch::Tensor logits = forward(batch);
    if (s.mirror_tta) {
      // Each flip is its own inverse: flip the input, predict, flip the logits back.
      for (const std::vector<int64_t>& axes : {std::vector<int64_t>{3}, {2}, {2, 3}})
        logits = logits + forward(batch.flip(axes)).flip(axes);
      logits = logits / 4.0;
    }
    if (logits.size(2) != height || logits.size(3) != width)
      logits = F::interpolate(logits, F::InterpolateFuncOptions()
                                          .size(std::vector<int64_t>{height, width})
                                          .mode(torch::kBilinear)
                                          .align_corners(false));
    out.push_back(logits.cpu());
  }
  torch::Tensor logits = torch::cat(out, 0).permute({1, 0, 2, 3}).contiguous();  // [K, Z, Y, X]
  // Finite weights can still overflow (bf16, an input far outside the training range): no
  // metric computed from such logits means anything.
  if (!torch::isfinite(logits).all().item<bool>())
    throw UserError(fmt::format("case {}: the model's output holds NaN or infinite values; check this image's "
                                "intensities and the checkpoint (a diverged or bf16-overflowing model)",
                                c.id));
  return logits;
}

torch::Tensor predict_probabilities(SegmentationModelImpl& model, const Case& c, const InferenceSettings& s) {
  return torch::softmax(predict_logits(model, c, s), 0);
}

json score_case(const std::string& id, const std::string& domain, const torch::Tensor& prediction,
                const torch::Tensor& reference, const std::vector<std::string>& class_names,
                EmptyConvention convention, const Hd95Request* hd95) {
  const auto num_classes = static_cast<int64_t>(class_names.size());
  const auto counts = confusion_counts(prediction, reference, num_classes);
  std::vector<std::optional<double>> distances;
  if (hd95)
    distances = hd95_per_class(prediction, reference, num_classes, hd95->spacing_xyz, convention, hd95->variant);
  json metrics = json::object();
  for (std::size_t k = 1; k < class_names.size(); ++k) {
    const OverlapScores s = overlap_scores(counts[k], convention);
    metrics[class_names[k]] = {{"dsc", optional_number(s.dsc)},
                               {"iou", optional_number(s.iou)},
                               {"sensitivity", optional_number(s.sensitivity)},
                               {"precision", optional_number(s.precision)},
                               {"missed", s.missed},
                               {"reference_voxels", counts[k].reference()},
                               {"predicted_voxels", counts[k].predicted()}};
    if (hd95) metrics[class_names[k]]["hd95"] = optional_number(distances[k]);
  }
  return {{"id", id}, {"domain", domain}, {"metrics", metrics}};
}

namespace {

json evaluate_dataset(SegmentationModelImpl& model, const Dataset& dataset, const std::string& role,
                      const std::vector<std::string>& class_names, const InferenceSettings& settings,
                      EmptyConvention convention, const std::optional<Hd95Variant>& hd95, const EvalConfig& config) {
  check_classes(dataset, class_names);
  const DatasetInfo& info = dataset.info();
  const auto t0 = std::chrono::steady_clock::now();
  json cases = json::array();
  int64_t missed = 0;
  CalibrationAccumulator calibration;  // pooled over all pixels of all cases (docs/method.md section 3)
  Progress progress("eval " + role + " " + info.name, static_cast<int64_t>(dataset.size()));
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const Case c = dataset.load(i);
    require_label(dataset, c, "to score against");
    check_inference_size(dataset, c, settings);
    const auto probabilities = predict_probabilities(model, c, settings);
    calibration.add(probabilities, c.label);
    std::optional<Hd95Request> request;
    if (hd95) request = Hd95Request{*hd95, c.geometry.spacing};
    const torch::Tensor predicted = probabilities.argmax(0);
    json scored = score_case(c.id, c.domain, predicted, c.label, class_names, convention,
                             request ? &*request : nullptr);
    if (!config.save_predictions.empty())
      save_prediction(prediction_folder(config.save_predictions, role, info.name), c, predicted,
                      config.save_probabilities ? probabilities : torch::Tensor(), class_names);
    for (const auto& [cls, m] : scored["metrics"].items()) missed += m["missed"].get<bool>() ? 1 : 0;
    cases.push_back(std::move(scored));
    progress.update(static_cast<int64_t>(i + 1));
  }
  progress.finish();
  json summary = summarize_cases(cases, class_names);
  summary["missed_structures"] = missed;
  return {{"role", role},
          {"dataset", dataset_json(dataset)},
          {"cases", cases},
          {"summary", summary},
          {"calibration", to_json(calibration.result())},
          {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}};
}

}  // namespace

json run_eval(const EvalConfig& config) {
  if (config.checkpoint.empty()) throw UserError("eval needs --checkpoint");
  if (config.data.empty() && config.ood.empty()) throw UserError("eval needs --data and/or --ood datasets");
  if (config.output.empty()) throw UserError("eval needs --output (the result JSON to write)");

  const EmptyConvention convention = parse_convention(config.convention);
  std::optional<Hd95Variant> hd95;
  if (config.hd95 != "off") hd95 = parse_hd95_variant(config.hd95);
  if (!config.save_predictions.empty() && !volume_io_available())
    throw UserError("eval --save-predictions: this binary was built without ITK, which writes NIfTI and PNG");
  if (!config.save_predictions.empty()) {
    // Predictions overwrite files of the same names: only in a folder that is new, empty or eval's own.
    claim_output_folder(config.save_predictions, "eval", "--save-predictions folder");
  }
  if (hd95 && !hd95_available())
    throw UserError("eval --hd95 " + config.hd95 + ": this binary was built without ITK; pass --hd95 off");
  const CheckpointCommand command =
      open_checkpoint_command(config.checkpoint, config.checkpoint_kind, config.output, config.device,
                              config.threads, config.batch_size);
  const auto datasets = open_iid_and_ood(config.data, config.split, config.ood);

  json doc = checkpoint_result_header("eval", command, to_json(config));
  doc["convention"] = to_string(convention);
  doc["hd95"] = hd95 ? json{{"variant", to_string(*hd95)}, {"unit", hd95_unit(convention)}} : json(nullptr);
  doc["evaluations"] = json::array();
  for (const auto& [role, dataset] : datasets)
    doc["evaluations"].push_back(evaluate_dataset(command.model(), *dataset, role, command.classes(),
                                                  command.settings(), convention, hd95, config));
  write_json_atomic(config.output, doc);
  return doc;
}

}  // namespace mis

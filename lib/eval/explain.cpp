#include "eval/explain.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (in fmt/format.h before fmt 11)

#include "core/error.h"
#include "core/files.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "core/strings.h"
#include "data/slices.h"
#include "data/volume_io.h"
#include "eval/calibrate.h"
#include "eval/checkpoint_command.h"
#include "eval/result_schema.h"
#include "metrics/overlap.h"
#include "viz/images.h"
#include "viz/png.h"

namespace mis {

namespace F = torch::nn::functional;

void to_json(json& j, const ExplainConfig& c) {
  j = {{"checkpoint", c.checkpoint},
       {"checkpoint_kind", c.checkpoint_kind},
       {"data", c.data},
       {"split", c.split},
       {"output", c.output},
       {"images", c.images},
       {"layer", c.layer},
       {"class", c.class_name},
       {"cases", c.cases},
       {"num_cases", c.num_cases},
       {"overlay_style", c.overlay_style},
       {"min_image_size", c.min_image_size},
       {"batch_size", c.batch_size},
       {"threads", c.threads},
       {"device", c.device}};
}

// A key missing from `j` keeps the value `c` has (its default).
void from_json(const json& j, ExplainConfig& c) {
  c.checkpoint = j.value("checkpoint", c.checkpoint);
  c.checkpoint_kind = j.value("checkpoint_kind", c.checkpoint_kind);
  c.data = j.value("data", c.data);
  c.split = j.value("split", c.split);
  c.output = j.value("output", c.output);
  c.images = j.value("images", c.images);
  c.layer = j.value("layer", c.layer);
  c.class_name = j.value("class", c.class_name);
  c.cases = j.value("cases", c.cases);
  c.num_cases = j.value("num_cases", c.num_cases);
  c.overlay_style = j.value("overlay_style", c.overlay_style);
  c.min_image_size = j.value("min_image_size", c.min_image_size);
  c.batch_size = j.value("batch_size", c.batch_size);
  c.threads = j.value("threads", c.threads);
  c.device = j.value("device", c.device);
}

void validate(const ExplainConfig& c, const std::string& source) {
  if (c.batch_size < 1) throw UserError(source + ": batch_size must be at least 1");
  if (c.num_cases < 1) throw UserError(source + ": num_cases must be at least 1");
  if (c.min_image_size < 0) throw UserError(source + ": min_image_size must be 0 (never enlarge) or positive");
  try {
    parse_overlay_style(c.overlay_style);
  } catch (const UserError& e) {
    throw UserError(source + ": " + e.what());
  }
}

torch::Tensor grad_cam_map(const torch::Tensor& activation, const torch::Tensor& gradient) {
  TORCH_CHECK(activation.dim() == 4 && activation.size(0) == 1 && gradient.sizes() == activation.sizes(),
              "grad_cam_map: expected an activation [1, C, h, w] and a gradient of the same shape");
  const auto a = activation[0].detach().to(torch::kCPU, torch::kFloat32);
  const auto alpha = gradient[0].detach().to(torch::kCPU, torch::kFloat32).mean({1, 2});  // [C]
  return torch::relu((alpha.view({-1, 1, 1}) * a).sum(0));
}

namespace {

// Stops the capture however grad_cam leaves, so later forwards cost nothing extra.
struct CaptureGuard {
  SegmentationModelImpl& model;
  CaptureGuard(SegmentationModelImpl& m, const std::string& layer) : model(m) { model.capture(layer); }
  ~CaptureGuard() { model.capture(""); }
};

}  // namespace

GradCam grad_cam(SegmentationModelImpl& model, const torch::Tensor& input, int64_t cls, const std::string& layer) {
  TORCH_CHECK(input.dim() == 4 && input.size(0) == 1, "grad_cam: expected one input [1, C, H, W]");
  torch::AutoGradMode with_gradients(true);
  CaptureGuard guard(model, layer);
  // An input that requires grad makes the activation part of the graph even if every weight is frozen.
  const auto logits = model.forward(input.detach().clone().requires_grad_(true));
  const auto activation = model.captured();
  TORCH_CHECK(activation.defined() && activation.dim() == 4, "grad_cam: layer '", layer,
              "' produced no [1, C, h, w] activation");
  TORCH_CHECK(cls >= 0 && cls < logits.size(1), "grad_cam: class ", cls, " out of range");
  const auto class_logits = logits[0][cls];
  const auto predicted = logits[0].argmax(0).eq(cls);
  const auto score = predicted.any().item<bool>() ? class_logits.masked_select(predicted).sum() : class_logits.sum();
  const auto gradient = torch::autograd::grad({score}, {activation})[0];
  return {grad_cam_map(activation, gradient), logits.detach()};
}

torch::Tensor upsample_map(const torch::Tensor& map, int64_t height, int64_t width) {
  if (map.size(0) == height && map.size(1) == width) return map;
  return F::interpolate(map.unsqueeze(0).unsqueeze(0), F::InterpolateFuncOptions()
                                                          .size(std::vector<int64_t>{height, width})
                                                          .mode(torch::kBilinear)
                                                          .align_corners(false))
      .squeeze(0)
      .squeeze(0);
}

std::optional<double> energy_in_mask(const torch::Tensor& map, const torch::Tensor& mask) {
  TORCH_CHECK(map.sizes() == mask.sizes(), "energy_in_mask: the map and the mask differ in size");
  const auto m = map.to(torch::kFloat64);
  const auto inside = mask.to(torch::kBool);
  const double total = m.sum().item<double>();
  if (!(total > 0.0) || !inside.any().item<bool>()) return std::nullopt;
  return m.masked_select(inside).sum().item<double>() / total;
}

SliceChoice choose_slice(const torch::Tensor& reference, const torch::Tensor& prediction, int64_t cls) {
  const auto areas_of = [&](const torch::Tensor& labels) { return labels.eq(cls).flatten(1).sum(1); };  // [Z]
  // argmax returns the first of equal maxima.
  for (const auto& [labels, basis] : {std::pair{reference, "reference"}, std::pair{prediction, "prediction"}}) {
    const auto areas = areas_of(labels);
    if (areas.max().item<int64_t>() > 0) return {areas.argmax().item<int64_t>(), basis};
  }
  return {reference.size(0) / 2, "middle"};
}

namespace {

std::filesystem::path images_folder(const ExplainConfig& c) {
  if (!c.images.empty()) return c.images;
  std::filesystem::path p(c.output);
  if (p.extension() == ".json") return p.replace_extension("");
  return std::filesystem::path(c.output + "_images");  // never the output file itself
}

std::vector<std::size_t> chosen_cases(const Dataset& dataset, const ExplainConfig& config) {
  std::vector<std::pair<std::string, std::size_t>> ids;
  for (std::size_t i = 0; i < dataset.size(); ++i) ids.emplace_back(dataset.case_id(i), i);
  std::sort(ids.begin(), ids.end());
  std::vector<std::size_t> out;
  if (config.cases.empty()) {
    for (std::size_t i = 0; i < ids.size() && static_cast<int64_t>(i) < config.num_cases; ++i)
      out.push_back(ids[i].second);
    return out;
  }
  for (const auto& want : config.cases) {
    const auto it = std::find_if(ids.begin(), ids.end(), [&](const auto& p) { return p.first == want; });
    if (it == ids.end()) {
      std::vector<std::string> names;
      for (const auto& p : ids) names.push_back(p.first);
      if (names.size() > 20) {
        names.resize(20);
        names.push_back("...");
      }
      throw UserError(fmt::format("{}: no case '{}' in its {} split; choose from: {}", dataset.location(), want,
                                  config.split, fmt::join(names, ", ")));
    }
    out.push_back(it->second);
  }
  return out;
}

}  // namespace

json run_explain(const ExplainConfig& config) {
  if (config.checkpoint.empty()) throw UserError("explain needs --checkpoint");
  if (config.data.empty()) throw UserError("explain needs --data (the dataset whose cases are explained)");
  if (config.output.empty()) throw UserError("explain needs --output (the result JSON to write)");
  // PNGs are written through ITK: a build without it writes the maps' numbers (the JSON) only.
  const bool with_images = volume_io_available();
  if (!with_images && !config.images.empty())
    throw UserError("explain --images " + config.images + ": PNG images are written through ITK, and this binary was "
                    "built with -DMIS_WITH_ITK=OFF; drop --images (the JSON is written without them) or rebuild with ITK");
  const OverlayStyle style = parse_overlay_style(config.overlay_style);
  const std::filesystem::path output(config.output);
  const std::filesystem::path images = images_folder(config);
  // Paths in the JSON are relative to its folder, so a results folder can be moved whole.
  const auto json_dir = std::filesystem::absolute(output).parent_path().lexically_normal();
  const auto images_rel = std::filesystem::absolute(images).lexically_normal().lexically_relative(json_dir);

  const CheckpointCommand command =
      open_checkpoint_command(config.checkpoint, config.checkpoint_kind, config.output, config.device,
                              config.threads, config.batch_size);
  const torch::Device device = command.device;
  const InferenceSettings& settings = command.settings();
  const LoadedModel& loaded = command.inference.loaded;
  SegmentationModelImpl& model = command.model();
  const auto& classes = command.classes();

  const auto layers = model.feature_layers();
  const std::string layer = config.layer.empty() ? model.default_feature_layer() : config.layer;
  if (layers.empty())
    throw UserError(fmt::format("{}: model {} has no capturable layers for Grad-CAM", command.checkpoint_file,
                                loaded.spec.name));
  if (std::find(layers.begin(), layers.end(), layer) == layers.end())
    throw UserError(fmt::format("{}: layer '{}' is not a capturable layer of {}; choose one of: {}", command.checkpoint_file,
                                layer, loaded.spec.name, fmt::join(layers, ", ")));
  std::vector<int64_t> class_ids;
  const std::vector<std::string> foreground(classes.begin() + std::min<std::size_t>(1, classes.size()), classes.end());
  for (std::size_t k = 1; k < classes.size(); ++k)
    if (config.class_name.empty() || classes[k] == config.class_name) class_ids.push_back(static_cast<int64_t>(k));
  if (class_ids.empty())
    throw UserError(fmt::format("{}: class '{}' is not a foreground class of this model; choose one of: {}",
                                command.checkpoint_file, config.class_name, fmt::join(foreground, ", ")));

  const auto dataset = open_dataset(config.data, config.split);
  check_classes(*dataset, classes);
  const auto selected = chosen_cases(*dataset, config);
  // The PNGs overwrite files of the same names: only in a folder that is new, empty or explain's own.
  if (with_images) claim_output_folder(images, "explain", "--images folder");

  json doc = checkpoint_result_header("explain", command, to_json(config));
  doc["layer"] = layer;
  doc["layers"] = layers;
  doc["images_folder"] = with_images ? json(images_rel.generic_string()) : json(nullptr);
  if (!with_images) doc["images_note"] = "built without ITK: no PNG images";
  doc["method"] = {
      {"name", "grad-cam"},
      {"score", "sum of the class's logits over the pixels predicted as the class (all pixels when none)"},
      {"map", "ReLU(sum_k alpha_k A_k), alpha_k = spatial mean of dScore/dA_k; bilinear to the slice size"},
      {"energy_in_mask", "sum of the map inside the reference mask / sum of the map, on the slice's own grid"},
      {"heat_map", "viridis, blended half over the slice; 0 (purple) to the slice's largest value (yellow), "
                   "the scale drawn as a bar at the right"},
      {"overlay", {{"reference", "red"}, {"prediction", "green"}, {"overlap", "yellow"}, {"style", to_string(style)}}},
      {"references", {"Selvaraju et al., ICCV 2017 (arXiv 1610.02391)", "Vinogradova et al., AAAI 2020 (arXiv 2002.11434)"}}};

  const auto t0 = std::chrono::steady_clock::now();
  json cases = json::array(), for_summary = json::array();
  const auto total = static_cast<int64_t>(selected.size() * class_ids.size());
  int64_t done = 0;
  Progress progress("explain " + dataset->info().name + " (" + layer + ")", total);
  for (const std::size_t index : selected) {
    const Case c = dataset->load(index);
    require_label(*dataset, c, "to compare the maps with");
    check_inference_size(*dataset, c, settings);
    // The prediction and the model's input, prepared exactly as eval prepares them.
    const auto prediction = predict_logits(model, c, settings).argmax(0);  // [Z, Y, X]
    const auto inputs = image_to_slices(normalize_volume(c.image, settings.normalization), settings.patch_size);
    const int64_t height = c.image.size(2), width = c.image.size(3);
    for (const int64_t cls : class_ids) {
      const std::string& name = classes[static_cast<std::size_t>(cls)];
      const SliceChoice choice = choose_slice(c.label, prediction, cls);
      const auto reference = c.label[choice.slice].eq(cls), predicted = prediction[choice.slice].eq(cls);
      const auto map = upsample_map(grad_cam(model, inputs.slice(0, choice.slice, choice.slice + 1).to(device), cls,
                                             layer).map, height, width);
      const auto share = energy_in_mask(map, reference);
      const auto counts = confusion_counts(predicted.to(torch::kLong), reference.to(torch::kLong), 2);
      const auto dsc = overlap_scores(counts[1], EmptyConvention::nnunet).dsc;

      const double peak = map.max().item<double>();
      const auto base = display_rgb(c.image.select(1, choice.slice));
      const std::string stem = sanitize_id(c.id) + "_" + sanitize_id(name);
      const auto gradcam_file = stem + "_gradcam.png", overlay_file = stem + "_overlay.png";
      if (with_images) {
        write_png_rgb(images / gradcam_file,
                      with_colour_bar(enlarge_to(heatmap_overlay(base, peak > 0 ? map / peak : torch::zeros_like(map)),
                                                 config.min_image_size)));
        write_png_rgb(images / overlay_file,
                      enlarge_to(mask_overlay(base, reference, predicted, style), config.min_image_size));
      }

      json entry = {{"id", c.id},
                    {"domain", c.domain},
                    {"slice", choice.slice},
                    {"slice_basis", choice.basis},
                    {"class", name},
                    {"energy_in_mask", optional_number(share)},
                    {"dsc", optional_number(dsc)},
                    {"reference_pixels", counts[1].reference()},
                    {"predicted_pixels", counts[1].predicted()},
                    {"images", with_images ? json{{"gradcam", (images_rel / gradcam_file).generic_string()},
                                                  {"overlay", (images_rel / overlay_file).generic_string()}}
                                           : json(nullptr)}};
      if (!share)
        entry["note"] = !(peak > 0) ? "the Grad-CAM map is zero everywhere: no energy to share"
                                    : "the reference mask of the class is empty on this slice";
      for_summary.push_back({{"metrics", {{name, {{"energy_in_mask", entry["energy_in_mask"]}, {"dsc", entry["dsc"]}}}}}});
      cases.push_back(std::move(entry));
      progress.update(++done);
    }
  }
  progress.finish();

  json evaluation = {{"role", "iid"},
                     {"dataset", dataset_json(*dataset)},
                     {"cases", cases},
                     {"summary", summarize_cases(for_summary, classes)},
                     {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}};
  doc["evaluations"] = json::array({evaluation});
  write_json_atomic(output, doc);
  return doc;
}

}  // namespace mis

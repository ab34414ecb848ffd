#include "preprocess/recipe.h"

#include <fmt/format.h>

#include "core/error.h"
#include "preprocess/case_processor.h"

namespace mis::prep {

namespace fs = std::filesystem;

namespace {

const char* to_string(ColorMode mode) {
  switch (mode) {
    case ColorMode::keep: return "keep";
    case ColorMode::rgb: return "rgb";
    case ColorMode::grey: return "grey";
  }
  return "?";
}

ColorMode parse_color_mode(const std::string& name, const std::string& source) {
  if (name == "keep") return ColorMode::keep;
  if (name == "rgb") return ColorMode::rgb;
  if (name == "grey") return ColorMode::grey;
  throw UserError(source + ": unknown colour mode '" + name + "' in the preprocessing recipe");
}

// RGB handling of 2-D images.
torch::Tensor convert_color(const torch::Tensor& image, ColorMode mode, const fs::path& source) {
  const int64_t c = image.size(0);
  switch (mode) {
    case ColorMode::keep: return image;
    case ColorMode::rgb:
      if (c == 3) return image;
      if (c == 4) return image.slice(0, 0, 3);            // RGBA: drop alpha
      if (c == 1 || c == 2) return image.slice(0, 0, 1).repeat({3, 1, 1, 1});  // grey (+ alpha)
      break;
    case ColorMode::grey:
      if (c == 1) return image;
      if (c == 2) return image.slice(0, 0, 1);
      if (c == 3 || c == 4) return rgb_to_luminance(image.slice(0, 0, 3));
      break;
  }
  fail_file(source, fmt::format("has {} colour channels; expected grey (1), RGB (3) or RGBA (4)", c));
}

}  // namespace

PreprocessRecipe recipe_of(const DatasetPlan& plan, const PreprocessConfig& config) {
  return {plan.volumetric, plan.color, plan.channel_names, plan.intensity, config};
}

json to_json(const PreprocessRecipe& r) {
  json intensity = json::array();
  for (const auto mode : r.intensity) intensity.push_back(to_string(mode));
  return {{"volumetric", r.volumetric},
          {"color", to_string(r.color)},
          {"channels", r.channel_names},
          {"intensity", intensity},
          {"settings", case_identity_of(r.config)}};
}

PreprocessRecipe recipe_from_json(const json& j, const std::string& source) {
  PreprocessRecipe r;
  try {
    r.volumetric = j.at("volumetric").get<bool>();
    r.color = parse_color_mode(j.at("color").get<std::string>(), source);
    r.channel_names = j.at("channels").get<std::vector<std::string>>();
    for (const auto& mode : j.at("intensity")) r.intensity.push_back(parse_intensity(mode.get<std::string>()));
    json settings = j.at("settings");
    settings.erase("pipeline_version");
    // Where preprocess read and wrote is not part of how it prepares an image; the config's
    // checks still want the two paths.
    settings["input"] = settings["output"] = "(not part of the recipe)";
    r.config = config_from_json<PreprocessConfig>(settings, source + " (preprocessing recipe)");
  } catch (const json::exception& e) {
    throw UserError(source + ": malformed preprocessing recipe (" + e.what() + ")");
  }
  if (r.intensity.size() != r.channel_names.size())
    throw UserError(source + ": the preprocessing recipe has " + std::to_string(r.intensity.size()) +
                    " intensity modes for " + std::to_string(r.channel_names.size()) + " channels");
  return r;
}

std::optional<json> recipe_of_dataset_folder(const fs::path& folder) {
  const fs::path dataset_json = folder / "dataset.json";
  if (!fs::is_regular_file(dataset_json)) return std::nullopt;
  const json d = read_json_file(dataset_json);
  if (!d.contains("manifest") || !d["manifest"].is_string()) return std::nullopt;
  const fs::path manifest = folder / d["manifest"].get<std::string>();
  if (!fs::is_regular_file(manifest)) return std::nullopt;
  const json m = read_json_file(manifest);
  return m.value("recipe", json());
}

SourceImage read_source_image(const PreprocessRecipe& recipe, const std::vector<fs::path>& files) {
  SourceImage out;
  std::vector<torch::Tensor> channels;
  for (const auto& file : files) {
    const ImageFileInfo info = read_image_file_info(file);
    Volume v = read_image_volume(file);
    if (recipe.volumetric && v.voxels.size(0) != 1)
      fail_file(file, fmt::format("expected one channel per volume file, found {} components", v.voxels.size(0)));
    if (!recipe.volumetric && v.voxels.size(1) != 1)
      fail_file(file, fmt::format("expected a 2-D image, found a volume of {} slices", v.voxels.size(1)));
    if (channels.empty()) {
      out.image.geometry = v.geometry;
    } else {
      if (!same_size(v.voxels, channels[0]))
        fail_file(file, fmt::format("size {} differs from channel 0 ({}, {}); all channels of a case share one grid",
                                    size_string(v.voxels), size_string(channels[0]), files[0].string()));
      const std::string diff = geometry_mismatch(out.image.geometry, v.geometry);
      if (recipe.volumetric && !diff.empty())
        fail_file(file, "geometry differs from channel 0 (" + diff + "); all channels of a case share one grid");
    }
    if (info.integer_type) out.type_max = std::max(out.type_max, info.type_max);
    channels.push_back(v.voxels);
  }
  Volume& image = out.image;
  image.voxels = torch::cat(channels, 0);
  if (!torch::isfinite(image.voxels).all().item<bool>())
    fail_file(files[0], "image contains NaN or infinite values; fix or drop this case");
  if (!recipe.volumetric) image.voxels = convert_color(image.voxels, recipe.color, files[0]);
  if (image.voxels.size(0) != static_cast<int64_t>(recipe.channel_names.size()))
    fail_file(files[0], fmt::format("has {} channel(s); the dataset declares {}", image.voxels.size(0),
                                    recipe.channel_names.size()));
  return out;
}

json grid_json(const Grid& g) {
  return {{"size", g.size},
          {"spacing", g.geometry.spacing},
          {"origin", g.geometry.origin},
          {"direction", g.geometry.direction}};
}

Grid target_grid(const PreprocessRecipe& recipe, const Grid& g) {
  const PreprocessConfig& config = recipe.config;
  Grid target = g;
  if (recipe.volumetric) {
    if (!config.spacing.empty()) target = grid_with_spacing(target, {config.spacing[0], config.spacing[1], config.spacing[2]});
    if (config.volume_size > 0) target = grid_with_inplane_size(target, config.volume_size, config.volume_size);
  } else if (config.size > 0) {
    target = config.resize == "pad" ? grid_with_longer_side(target, config.size)
                                    : grid_with_inplane_size(target, config.size, config.size);
  }
  return target;
}

bool pads_to_square(const PreprocessRecipe& recipe) {
  return !recipe.volumetric && recipe.config.size > 0 && recipe.config.resize == "pad";
}

torch::Tensor normalize_image(const PreprocessRecipe& recipe, const torch::Tensor& image, double type_max, json& stats) {
  stats = json::array();
  std::vector<torch::Tensor> out;
  for (int64_t c = 0; c < image.size(0); ++c) {
    json s = json::object();
    const auto channel =
        normalize_channel(image[c], recipe.intensity[static_cast<std::size_t>(c)], recipe.config, type_max, s);
    const auto as_double = channel.to(torch::kFloat64);
    s["name"] = recipe.channel_names[static_cast<std::size_t>(c)];
    s["mean"] = as_double.mean().item<double>();
    s["std"] = as_double.std(/*unbiased=*/false).item<double>();
    s["min"] = as_double.min().item<double>();
    s["max"] = as_double.max().item<double>();
    s["voxels"] = channel.numel();
    stats.push_back(s);
    out.push_back(channel);
  }
  return torch::stack(out, 0);
}

PreparedImage prepare_image(const PreprocessRecipe& recipe, const std::vector<fs::path>& files) {
  SourceImage source = read_source_image(recipe, files);
  PreparedImage out{{}, grid_of(source.image)};
  Volume image = std::move(source.image);
  if (recipe.volumetric && recipe.config.reorient) image = reorient_canonical(image);
  const Grid target = target_grid(recipe, grid_of(image));
  if (!same_grid(target, grid_of(image)))
    image = resample(image, target, parse_interpolation(recipe.config.interpolation), recipe.config.antialias);
  json stats;
  out.image = {normalize_image(recipe, image.voxels, source.type_max, stats), image.geometry};
  if (pads_to_square(recipe)) out.image = pad_inplane(out.image, recipe.config.size, recipe.config.size, 0.0);
  return out;
}

}  // namespace mis::prep

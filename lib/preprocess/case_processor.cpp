#include "preprocess/case_processor.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "core/fingerprint.h"
#include "preprocess/image_ops.h"
#include "preprocess/imagescope_xml.h"
#include "preprocess/polygon_raster.h"
#include "preprocess/recipe.h"

namespace mis::prep {

namespace {

std::string rel(const fs::path& p, const fs::path& base) {
  std::error_code ec;
  const fs::path r = fs::relative(p, base, ec);
  return ec || r.empty() || r.native().rfind("..", 0) == 0 ? p.string() : r.string();
}

}  // namespace

CaseFiles case_files(const DatasetPlan& plan, const CaseSource& source, const std::string& folder) {
  const std::string part = source.split == "test" ? "Ts" : "Tr";
  const fs::path base = folder.empty() ? fs::path() : fs::path(folder);
  CaseFiles files;
  for (std::size_t c = 0; c < plan.channel_names.size(); ++c)
    files.images.push_back(base / ("images" + part) / fmt::format("{}_{:04d}.nii.gz", source.id, c));
  if (!source.label.empty()) files.label = base / ("labels" + part) / (source.id + ".nii.gz");
  return files;
}

double percentile(const torch::Tensor& values, double q) {
  const auto flat = values.reshape({-1}).to(torch::kFloat32).contiguous();
  const int64_t n = flat.numel();
  if (n == 0) return 0.0;
  const double pos = std::clamp(q, 0.0, 100.0) / 100.0 * static_cast<double>(n - 1);
  const auto k = static_cast<int64_t>(std::floor(pos));
  const double frac = pos - static_cast<double>(k);
  const double a = std::get<0>(torch::kthvalue(flat, k + 1)).item<double>();
  if (frac <= 0.0 || k + 1 >= n) return a;
  const double b = std::get<0>(torch::kthvalue(flat, k + 2)).item<double>();
  return a + frac * (b - a);
}

torch::Tensor normalize_channel(const torch::Tensor& channel, Intensity mode, const PreprocessConfig& config,
                                double type_max, json& stats) {
  const auto x = channel.to(torch::kFloat32);
  stats["mode"] = to_string(mode);
  switch (mode) {
    case Intensity::ct_window: {
      const double lo = config.ct_window[0], hi = config.ct_window[1];
      stats["clip"] = {lo, hi};
      return (x.clamp(lo, hi) - lo) / (hi - lo);
    }
    case Intensity::percentile_minmax:
    case Intensity::percentile_zscore: {
      const double lo = percentile(x, config.percentiles[0]), hi = percentile(x, config.percentiles[1]);
      stats["clip"] = {lo, hi};
      const auto clipped = x.clamp(lo, hi);
      if (mode == Intensity::percentile_minmax) return hi > lo ? (clipped - lo) / (hi - lo) : torch::zeros_like(x);
      const double mean = clipped.mean().item<double>();
      const double sd = clipped.std(/*unbiased=*/false).item<double>();
      stats["zscore"] = {mean, sd};
      return (clipped - mean) / (sd > 1e-8 ? sd : 1.0);
    }
    case Intensity::unit_range: {
      if (type_max > 0.0) {
        stats["scale"] = type_max;
        return (x / type_max).clamp(0.0, 1.0);  // clamp: B-spline resizing may overshoot
      }
      const double lo = x.min().item<double>(), hi = x.max().item<double>();
      stats["clip"] = {lo, hi};
      return hi > lo ? (x - lo) / (hi - lo) : torch::zeros_like(x);
    }
    case Intensity::none: return x;
  }
  return x;
}

torch::Tensor mask_to_labels(const torch::Tensor& mask, const DatasetPlan& plan, const PreprocessConfig& config,
                             const fs::path& source) {
  if (!torch::isfinite(mask).all().item<bool>()) fail_file(source, "mask contains NaN or infinite values");
  switch (plan.mask_kind) {
    case MaskKind::label_map: {
      if (mask.size(0) != 1)
        fail_file(source, fmt::format("a label map must have one channel, found {} (is this a colour image?)", mask.size(0)));
      if (!torch::equal(mask, mask.round()))
        fail_file(source, "label map contains non-integer values (is this an image rather than a segmentation?)");
      const auto values = mask.to(torch::kInt64);
      const int64_t lo = values.min().item<int64_t>(), hi = values.max().item<int64_t>();
      const auto lut = torch::tensor(plan.label_lut, torch::kInt64);
      const auto n = static_cast<int64_t>(plan.label_lut.size());
      bool ok = lo >= 0 && hi < n;
      if (ok) {
        const auto present = std::get<0>(torch::_unique(values.reshape({-1})));
        ok = (lut.index_select(0, present) >= 0).all().item<bool>();
      }
      if (!ok)
        fail_file(source, fmt::format("label values span {}..{}, outside {}; fix the segmentation or choose the right "
                                      "--dataset",
                                      lo, hi, plan.label_map_name));
      return lut.index_select(0, values.reshape({-1})).reshape(values.sizes());
    }
    case MaskKind::threshold:
      // Lossy JPEG masks: the mean over colour channels, then a threshold.
      return (mask.mean(0, /*keepdim=*/true) > static_cast<double>(config.mask_threshold)).to(torch::kInt64);
    case MaskKind::binary: {
      const auto m = std::get<0>(mask.max(0, /*keepdim=*/true));
      if (((m == 0) | (m == 255)).all().item<bool>()) return (m == 255).to(torch::kInt64);
      if (((m == 0) | (m == 1)).all().item<bool>()) return m.to(torch::kInt64);
      const auto odd = m.masked_select((m != 0) & (m != 255));
      fail_file(source, fmt::format("binary mask has values other than 0 and 255 (e.g. {}); is this a JPEG-compressed or "
                                    "resized copy? Use the original PNG ground truth",
                                    odd[0].item<double>()));
    }
    case MaskKind::instances: return (mask > 0).any(0, /*keepdim=*/true).to(torch::kInt64);
    case MaskKind::polygons: break;
  }
  throw std::logic_error("mask_to_labels: polygons are rasterised by process_case");
}

json process_case(const DatasetPlan& plan, const PreprocessConfig& config, const CaseSource& src, const fs::path& root) {
  json entry = {{"id", src.id}, {"folder", src.folder}, {"split", src.split}};
  if (!src.info.empty()) entry["info"] = src.info;
  std::vector<fs::path> sources = src.images;
  if (!src.label.empty()) sources.push_back(src.label);
  json source_names = json::array();
  for (const auto& s : sources) source_names.push_back(rel(s, config.input));
  entry["sources"] = source_names;
  entry["source_fingerprint"] = fingerprint_files(sources);

  // ---- image: one file per channel, or one multi-component file
  const PreprocessRecipe recipe = recipe_of(plan, config);
  SourceImage source = read_source_image(recipe, src.images);
  Volume image = std::move(source.image);
  const Grid original = grid_of(image);
  entry["original"] = grid_json(original);

  // ---- label
  Volume label;
  const bool has_label = !src.label.empty();
  if (has_label) {
    label.geometry = image.geometry;
    if (plan.mask_kind == MaskKind::polygons) {
      const auto polygons = read_imagescope_regions(src.label);
      if (polygons.empty())
        fail_file(src.label, "contains no <Region> outlines; is this a MoNuSeg (ImageScope) annotation file?");
      const int64_t w = image.voxels.size(3), h = image.voxels.size(2);
      std::vector<std::uint8_t> mask(static_cast<std::size_t>(w * h), 0);
      const FillRule rule = parse_fill_rule(config.polygon_rule);
      int64_t skipped = 0;
      for (const auto& polygon : polygons) {
        if (polygon.size() < 3) {
          ++skipped;
          continue;
        }
        rasterize_polygon(polygon, w, h, rule, mask, 1);
      }
      entry["polygons"] = {{"regions", polygons.size()}, {"skipped_under_3_vertices", skipped}};
      label.voxels = torch::from_blob(mask.data(), {1, 1, h, w}, torch::kUInt8).to(torch::kInt64);
    } else {
      const Volume m = read_image_volume(src.label);
      if (!same_size(m.voxels, image.voxels))
        fail_file(src.label, fmt::format("mask size {} differs from its image's {} ({}); a mask must cover its image "
                                         "pixel for pixel",
                                         size_string(m.voxels), size_string(image.voxels), src.images[0].string()));
      if (plan.volumetric) {
        const std::string diff = geometry_mismatch(image.geometry, m.geometry);
        if (!diff.empty())
          fail_file(src.label, "geometry differs from its image's (" + diff + ", image " + src.images[0].string() +
                                   "); resample the label onto the image grid");
      }
      label.voxels = mask_to_labels(m.voxels, plan, config, src.label);
    }
  }

  // ---- geometry: canonical orientation and target grid for volumes, training size for images
  if (plan.volumetric && config.reorient) {
    image = reorient_canonical(image);
    if (has_label) label = reorient_canonical(label);
  }
  const Grid target = target_grid(recipe, grid_of(image));
  const auto interpolation = parse_interpolation(config.interpolation);
  if (!same_grid(target, grid_of(image))) {
    image = resample(image, target, interpolation, config.antialias);
    if (has_label) label = resample(label, target, Interpolation::nearest, false);
  }
  entry["output"] = grid_json(grid_of(image));

  // ---- intensities, statistics, files
  const CaseFiles files = case_files(plan, src, src.folder);
  json channel_stats;
  image.voxels = normalize_image(recipe, image.voxels, source.type_max, channel_stats);
  if (pads_to_square(recipe)) {
    image = pad_inplane(image, config.size, config.size, 0.0);
    if (has_label) label = pad_inplane(label, config.size, config.size, 0.0);
    entry["padded_to"] = grid_json(grid_of(image));
  }
  for (int64_t c = 0; c < image.voxels.size(0); ++c)
    write_image_volume(root / files.images[static_cast<std::size_t>(c)], image.voxels[c], image.geometry);
  entry["channels"] = channel_stats;
  if (has_label) {
    const auto counts = torch::bincount(label.voxels.reshape({-1}), /*weights=*/{},
                                        static_cast<int64_t>(plan.class_names.size()));
    entry["label_voxels"] = std::vector<int64_t>(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + counts.numel());
    write_label_volume(root / files.label, label.voxels[0], image.geometry);
  }
  return entry;
}

}  // namespace mis::prep

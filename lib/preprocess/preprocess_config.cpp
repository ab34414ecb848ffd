#include "preprocess/preprocess_config.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (in fmt/format.h before fmt 11)

#include "core/error.h"
#include "preprocess/image_ops.h"
#include "preprocess/plan.h"
#include "preprocess/polygon_raster.h"

namespace mis {

const std::vector<std::string>& preprocess_dataset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& layout : prep::dataset_layouts()) out.push_back(layout.name);
    return out;
  }();
  return names;
}

void validate(const PreprocessConfig& c, const std::string& source) {
  const auto& names = preprocess_dataset_names();
  if (c.dataset.empty())
    throw UserError(fmt::format("{}: preprocess needs --dataset (one of {})", source, fmt::join(names, ", ")));
  if (std::find(names.begin(), names.end(), c.dataset) == names.end())
    throw UserError(fmt::format("{}: unknown dataset '{}' (expected one of {})", source, c.dataset, fmt::join(names, ", ")));
  if (c.input.empty()) throw UserError(source + ": preprocess needs the raw dataset folder (--input)");
  if (c.output.empty()) throw UserError(source + ": preprocess needs an output folder (--output)");
  if (c.size < 0 || c.size == 1 || c.size > 8192) throw UserError(source + ": size must be 0 (native) or 2..8192");
  if (c.resize != "stretch" && c.resize != "pad")
    throw UserError(source + ": resize must be stretch (each axis to size) or pad (aspect kept, padded to a square)");
  if (c.volume_size < 0 || c.volume_size == 1 || c.volume_size > 8192)
    throw UserError(source + ": volume_size must be 0 (native) or 2..8192");
  if (!c.spacing.empty() && c.spacing.size() != 3)
    throw UserError(source + ": spacing must have three values (x, y, z in mm; 0 keeps an axis), e.g. 1.5,1.5,3");
  for (double s : c.spacing)
    if (!std::isfinite(s) || s < 0.0) throw UserError(source + ": spacing values must be >= 0 (0 keeps the axis)");
  const auto interpolation = prep::parse_interpolation(c.interpolation);
  if (interpolation == prep::Interpolation::nearest)
    throw UserError(source + ": interpolation for images must be linear or bspline (labels always use nearest)");
  static const std::vector<std::string> intensities{"auto",        "ct-window",  "percentile-minmax",
                                                    "percentile-zscore", "unit-range", "none"};
  if (std::find(intensities.begin(), intensities.end(), c.intensity) == intensities.end())
    throw UserError(fmt::format("{}: unknown intensity '{}' (expected one of {})", source, c.intensity,
                                fmt::join(intensities, ", ")));
  if (!(c.ct_window[0] < c.ct_window[1])) throw UserError(source + ": ct_window must be [low, high] with low < high");
  if (!(0.0 <= c.percentiles[0] && c.percentiles[0] < c.percentiles[1] && c.percentiles[1] <= 100.0))
    throw UserError(source + ": percentiles must be [low, high] with 0 <= low < high <= 100");
  if (c.color != "auto" && c.color != "rgb" && c.color != "grey")
    throw UserError(source + ": color must be auto, rgb or grey");
  if (c.mask_threshold < 0 || c.mask_threshold > 254) throw UserError(source + ": mask_threshold must be in 0..254");
  (void)parse_fill_rule(c.polygon_rule);
  if (!(c.val_fraction >= 0.0 && c.test_fraction >= 0.0 && c.val_fraction + c.test_fraction < 1.0))
    throw UserError(source + ": val_fraction and test_fraction must be >= 0 and sum to less than 1");
  if (c.threads < 0) throw UserError(source + ": threads must be >= 0 (0 = every core)");
}

json case_identity_of(const PreprocessConfig& c) {
  json j = to_json(c);
  for (const char* key : {"input", "output", "seed", "val_fraction", "test_fraction", "threads"}) j.erase(key);
  // The default before the option existed: cases made then stay valid (and are reused).
  if (c.resize == "stretch") j.erase("resize");
  j["pipeline_version"] = 1;  // bump when the processing of a case changes
  return j;
}

}  // namespace mis

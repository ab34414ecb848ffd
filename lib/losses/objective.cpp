#include "losses/objective.h"

#include <cmath>

#include "core/error.h"

namespace mis {

LossTerms compute_objective(const torch::Tensor& logits, const torch::Tensor& labels, const LossConfig& config) {
  LossTerms t;
  t.spatial = spatial_loss(logits, labels, config.spatial);
  const auto spectral_of = [&] {
    const auto probs = torch::softmax(logits, 1);
    return spectral_loss(probs, one_hot_masks(labels, logits.size(1)), config.spectral);
  };
  if (config.lambda != 0.0) {
    t.spectral = spectral_of();
    t.total = t.spatial + config.lambda * t.spectral;
  } else {
    torch::NoGradGuard no_grad;
    t.spectral = spectral_of();
    t.total = t.spatial;
  }
  return t;
}

json to_json(const LossConfig& c) {
  json band = nullptr;
  if (c.spectral.band) band = {c.spectral.band->first, c.spectral.band->second};
  return {{"w_ce", c.spatial.w_ce},
          {"w_dice", c.spatial.w_dice},
          {"dice_include_background", c.spatial.dice_include_background},
          {"lambda", c.lambda},
          {"spectral_mode", to_string(c.spectral.mode)},
          {"spectral_band", band},
          {"spectral_include_background", c.spectral.include_background},
          {"spectral_eps", c.spectral.eps}};
}

LossConfig loss_config_from_json(const json& j) {
  LossConfig c;
  c.spatial.w_ce = j.at("w_ce").get<double>();
  c.spatial.w_dice = j.at("w_dice").get<double>();
  c.spatial.dice_include_background = j.at("dice_include_background").get<bool>();
  c.lambda = j.at("lambda").get<double>();
  if (!(c.lambda >= 0) || !std::isfinite(c.lambda)) throw UserError("lambda must be a finite number >= 0");
  if (!(c.spatial.w_ce >= 0) || !(c.spatial.w_dice >= 0) || !std::isfinite(c.spatial.w_ce + c.spatial.w_dice))
    throw UserError("the loss weights w_ce and w_dice must be finite numbers >= 0");
  c.spectral.mode = parse_spectral_mode(j.at("spectral_mode").get<std::string>());
  const auto& band = j.at("spectral_band");
  if (!band.is_null()) {
    if (!band.is_array() || band.size() != 2) throw UserError("spectral_band must be [low, high] or null");
    const double lo = band[0].get<double>(), hi = band[1].get<double>();
    if (lo < 0 || hi <= lo) throw UserError("spectral_band needs 0 <= low < high (fractions of Nyquist)");
    c.spectral.band = std::make_pair(lo, hi);
  }
  c.spectral.include_background = j.at("spectral_include_background").get<bool>();
  c.spectral.eps = j.at("spectral_eps").get<double>();
  return c;
}

}  // namespace mis

#include "losses/objective.h"

#include <cmath>

#include <fmt/format.h>

#include "core/error.h"

namespace mis {

namespace {

torch::Tensor spatial_term(const torch::Tensor& logits, const torch::Tensor& labels, const LossConfig& c) {
  return spatial_loss(logits, labels, c.spatial);
}

torch::Tensor spectral_term(const torch::Tensor& logits, const torch::Tensor& labels, const LossConfig& c) {
  return spectral_loss(torch::softmax(logits, 1), one_hot_masks(labels, logits.size(1)), c.spectral);
}

}  // namespace

const std::vector<LossTermSpec>& loss_term_registry() {
  static const std::vector<LossTermSpec> terms{
      {"spatial", nullptr, [](const LossConfig&) { return 1.0; }, spatial_term},
      {"spectral", "lambda", [](const LossConfig& c) { return c.lambda; }, spectral_term},
  };
  return terms;
}

LossTerms compute_objective(const torch::Tensor& logits, const torch::Tensor& labels, const LossConfig& config) {
  LossTerms t;
  for (const auto& spec : loss_term_registry()) {
    const double weight = spec.weight(config);
    if (weight == 0.0) {
      torch::NoGradGuard no_grad;
      t.terms.push_back({spec.name, spec.compute(logits, labels, config)});
      continue;
    }
    auto value = spec.compute(logits, labels, config);
    const auto weighted = weight == 1.0 ? value : weight * value;
    t.total = t.total.defined() ? t.total + weighted : weighted;
    t.terms.push_back({spec.name, std::move(value)});
  }
  return t;
}

namespace {

// The variant from each term's weight, however the weights were obtained.
template <typename WeightOf>
std::string variant_from_weights(const WeightOf& weight_of) {
  const auto& terms = loss_term_registry();
  std::string variant;
  for (size_t i = 1; i < terms.size(); ++i)
    if (weight_of(terms[i]) != 0.0) variant += (variant.empty() ? "" : "+") + std::string(terms[i].name);
  return variant.empty() ? terms.front().name : variant;
}

}  // namespace

std::string objective_variant(const LossConfig& config) {
  return variant_from_weights([&](const LossTermSpec& spec) { return spec.weight(config); });
}

std::string objective_variant(const json& loss_config) {
  return variant_from_weights([&](const LossTermSpec& spec) {
    if (!loss_config.is_object()) return 0.0;
    const json w = loss_config.value(spec.weight_key, json(0.0));
    if (!w.is_number()) throw UserError(fmt::format("\"loss.{}\" is {}, expected a number", spec.weight_key, w.dump()));
    return w.get<double>();
  });
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

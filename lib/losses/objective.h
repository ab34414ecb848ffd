#pragma once
// The training objective as a list of named terms (docs/method.md section 1):
//   L_final = sum over terms of weight * term = L_spatial + lambda * L_spectral.
// Each term is one entry of loss_term_registry(); step, trainer, logs and report go through the
// list and never name a term, so a further term is its own file plus one registry line
// (docs/extending.md, "A loss term"), as nnU-Net's trainer variants add losses.
#include <string>
#include <vector>

#include "losses/spatial.h"
#include "losses/spectral.h"
#include "core/json.h"

namespace mis {

struct LossConfig {
  SpatialLossOptions spatial;
  double lambda = 0.5;  // 0 = spatial-only; the paper does not give its value
  SpectralOptions spectral;
};

// One term of the objective.
struct LossTermSpec {
  const char* name;        // its key in train_log.jsonl and the word for a run that uses it
  const char* weight_key;  // the loss-config key of its weight; nullptr: the base term, weight 1
  double (*weight)(const LossConfig&);
  torch::Tensor (*compute)(const torch::Tensor& logits, const torch::Tensor& labels, const LossConfig&);
};

// In the order the terms are logged; the first is the base term every objective holds.
const std::vector<LossTermSpec>& loss_term_registry();

struct NamedLoss {
  std::string name;
  torch::Tensor value;  // a scalar
};

struct LossTerms {
  torch::Tensor total;
  // Every registered term, in registry order. A term of weight 0 is still computed (without
  // gradient) so that logs compare runs of different objectives on the same footing.
  std::vector<NamedLoss> terms;
};

LossTerms compute_objective(const torch::Tensor& logits, const torch::Tensor& labels, const LossConfig& config);

// What a run is called in reports and run labels: the base term's name when every other term
// has weight 0 ("spatial"), else the weighted extra terms' names joined by '+' ("spectral").
// The JSON form reads a stored loss config (a missing weight is 0: older or partial records).
std::string objective_variant(const LossConfig& config);
std::string objective_variant(const json& loss_config);

json to_json(const LossConfig& config);
LossConfig loss_config_from_json(const json& j);

}  // namespace mis

#pragma once
// L_final = L_spatial + lambda * L_spectral (docs/method.md section 1).
#include "losses/spatial.h"
#include "losses/spectral.h"
#include "core/json.h"

namespace mis {

struct LossConfig {
  SpatialLossOptions spatial;
  double lambda = 0.5;  // 0 = spatial-only; the paper does not give its value
  SpectralOptions spectral;
};

struct LossTerms {
  torch::Tensor total;
  torch::Tensor spatial;
  torch::Tensor spectral;  // always computed (without gradient when lambda == 0) so logs compare runs
};

LossTerms compute_objective(const torch::Tensor& logits, const torch::Tensor& labels, const LossConfig& config);

json to_json(const LossConfig& config);
LossConfig loss_config_from_json(const json& j);

}  // namespace mis

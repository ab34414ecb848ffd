#pragma once
// Per-volume intensity normalisation, applied identically in training and evaluation.
#include <string>

#include <torch/torch.h>

namespace mis {

enum class Normalization {
  zscore,  // per volume and channel: (x - mean) / std (nnU-Net's default for MRI)
  minmax,  // per volume and channel to [0, 1]
  none,
};

Normalization parse_normalization(const std::string& name);
std::string to_string(Normalization n);

// image: [C, Z, Y, X] float; returns a normalised copy.
torch::Tensor normalize_volume(const torch::Tensor& image, Normalization n);

}  // namespace mis

#pragma once
// Volumes served as 2-D slices at the training size: the models are 2-D (as in the paper and
// TransUNet), volumes are cut along Z and evaluated per volume again afterwards.
#include <functional>

#include "data/dataset.h"
#include "data/intensity.h"

namespace mis {

// image [C, Z, Y, X] -> [Z, C, size, size] (bilinear); size <= 0 keeps the native size.
torch::Tensor image_to_slices(const torch::Tensor& image, int64_t size);
// label [Z, Y, X] -> [Z, size, size] (nearest neighbour).
torch::Tensor label_to_slices(const torch::Tensor& label, int64_t size);

// All slices of a dataset in memory, normalised, at one size.
struct SlicePool {
  torch::Tensor images;  // [N, C, H, W] float32
  torch::Tensor labels;  // [N, H, W] uint8
  std::vector<std::string> case_of_slice;
  int64_t size() const { return images.defined() ? images.size(0) : 0; }
};

// `on_case(i)` is called after each case is read (for progress reporting).
SlicePool load_slice_pool(const Dataset& dataset, Normalization normalization, int64_t size,
                          const std::function<void(std::size_t)>& on_case = {});

}  // namespace mis

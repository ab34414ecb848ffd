#include "data/slices.h"

#include <fmt/format.h>

#include "core/error.h"

namespace mis {

namespace F = torch::nn::functional;

torch::Tensor image_to_slices(const torch::Tensor& image, int64_t size) {
  auto slices = image.permute({1, 0, 2, 3}).contiguous();  // [Z, C, Y, X]
  if (size <= 0 || (slices.size(2) == size && slices.size(3) == size)) return slices;
  return F::interpolate(slices, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{size, size})
                                    .mode(torch::kBilinear)
                                    .align_corners(false));
}

torch::Tensor label_to_slices(const torch::Tensor& label, int64_t size) {
  if (size <= 0 || (label.size(1) == size && label.size(2) == size)) return label;
  const auto as_float = label.unsqueeze(1).to(torch::kFloat32);
  return F::interpolate(as_float, F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kNearest))
      .squeeze(1)
      .to(label.dtype());
}

SlicePool load_slice_pool(const Dataset& dataset, Normalization normalization, int64_t size,
                          const std::function<void(std::size_t)>& on_case) {
  std::vector<torch::Tensor> images, labels;
  SlicePool pool;
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const Case c = dataset.load(i);
    if (!c.label.defined())
      throw UserError(fmt::format("{}: case {} has no label map; training needs labels", dataset.location(), c.id));
    auto slices = image_to_slices(normalize_volume(c.image, normalization), size);
    auto masks = label_to_slices(c.label, size);
    if (!images.empty() && slices.sizes().slice(1) != images.front().sizes().slice(1))
      throw UserError(fmt::format("{}: case {} has slices of {}x{} where earlier cases had {}x{}; set --patch-size "
                                  "to train on one size",
                                  dataset.location(), c.id, slices.size(2), slices.size(3), images.front().size(2),
                                  images.front().size(3)));
    for (int64_t z = 0; z < slices.size(0); ++z) pool.case_of_slice.push_back(c.id);
    images.push_back(slices);
    labels.push_back(masks.to(torch::kUInt8));
    if (on_case) on_case(i);
  }
  pool.images = torch::cat(images, 0);
  pool.labels = torch::cat(labels, 0);
  return pool;
}

}  // namespace mis

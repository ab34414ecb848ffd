#include "models/pretrained_mapping.h"

#include <cmath>
#include <set>

#include "core/error.h"
#include "models/npz.h"

namespace mis {

namespace {

std::string shape_text(torch::IntArrayRef shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

// The side of a square grid of `tokens` cells, or -1.
int64_t square_side(int64_t tokens) {
  const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(tokens))));
  return side * side == tokens ? side : -1;
}

// At most `limit` names, then a count of the rest: an error message must stay readable when a
// whole ResNet is missing.
std::string name_list(const std::vector<std::string>& names, size_t limit = 24) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > limit) out += ", ... (" + std::to_string(names.size() - limit) + " more)";
  return out;
}

torch::Tensor position_embedding(const torch::Tensor& stored, torch::IntArrayRef target, std::string& problem) {
  if (stored.dim() != 3 || stored.size(0) != 1 || target.size() != 3 || stored.size(2) != target[2]) {
    problem = "expected (1, tokens, " + std::to_string(target[2]) + ")";
    return {};
  }
  torch::Tensor grid = stored;
  // The class token leads the sequence in classification checkpoints; segmentation has none.
  if (square_side(grid.size(1)) < 0 && square_side(grid.size(1) - 1) >= 0) grid = grid.slice(1, 1);
  const int64_t old_side = square_side(grid.size(1)), new_side = square_side(target[1]);
  if (old_side < 0 || new_side < 0) {
    problem = "token count is not a square grid (plus an optional class token)";
    return {};
  }
  if (old_side == new_side) return grid;
  // TransUNet resizes with scipy.ndimage.zoom(order=1), which maps corner cells onto corner
  // cells: bilinear interpolation with align_corners=true.
  const int64_t dim = grid.size(2);
  auto image = grid.reshape({1, old_side, old_side, dim}).permute({0, 3, 1, 2});
  image = torch::nn::functional::interpolate(image, torch::nn::functional::InterpolateFuncOptions()
                                                        .size(std::vector<int64_t>{new_side, new_side})
                                                        .mode(torch::kBilinear)
                                                        .align_corners(true));
  return image.permute({0, 2, 3, 1}).reshape({1, new_side * new_side, dim});
}

}  // namespace

torch::Tensor npz_to_torch(const torch::Tensor& stored, NpzLayout layout, torch::IntArrayRef target,
                           std::string& problem) {
  const int64_t target_numel = c10::multiply_integers(target);
  auto fits = [&](const torch::Tensor& t) {
    if (t.sizes() == target) return t.contiguous();
    problem = "expected " + shape_text(target) + " after conversion";
    return torch::Tensor();
  };
  switch (layout) {
    case NpzLayout::kVector: {
      // Accept (C,) and broadcast forms such as (1, 1, 1, C) that some BiT files use.
      for (int64_t i = 0; i + 1 < stored.dim(); ++i)
        if (stored.size(i) != 1) return fits(stored);
      if (stored.dim() == 0 || stored.numel() != target_numel) return fits(stored);
      return fits(stored.reshape(target));
    }
    case NpzLayout::kConv:
      if (stored.dim() != 4) return fits(stored);
      return fits(stored.permute({3, 2, 0, 1}));  // HWIO -> OIHW
    case NpzLayout::kDense:
      if (stored.dim() != 2) return fits(stored);
      return fits(stored.t());
    case NpzLayout::kAttentionIn:
      // DenseGeneral kernel (in, heads, head_dim): flatten the heads, then as a dense kernel.
      if ((stored.dim() != 2 && stored.dim() != 3) || target.size() != 2 || stored.size(0) != target[1])
        return fits(stored);
      return fits(stored.reshape({stored.size(0), -1}).t());
    case NpzLayout::kAttentionOut:
      // DenseGeneral kernel (heads, head_dim, out).
      if ((stored.dim() != 2 && stored.dim() != 3) || target.size() != 2 || stored.size(-1) != target[0])
        return fits(stored);
      return fits(stored.reshape({-1, stored.size(-1)}).t());
    case NpzLayout::kAttentionBias:
      if ((stored.dim() != 1 && stored.dim() != 2) || stored.numel() != target_numel) return fits(stored);
      return fits(stored.reshape(target));
    case NpzLayout::kPositionEmbedding:
      return position_embedding(stored, target, problem);
  }
  problem = "unknown layout";
  return {};
}

bool is_classifier_array(const std::string& name) {
  return name == "cls" || name.rfind("head/", 0) == 0 || name.rfind("pre_logits/", 0) == 0;
}

PretrainedReport assign_npz_arrays(const std::map<std::string, torch::Tensor>& arrays,
                                   const std::vector<NpzBinding>& bindings, bool partial, const std::string& source) {
  PretrainedReport report;
  std::vector<std::pair<const NpzBinding*, torch::Tensor>> ready;
  std::set<std::string> bound;
  for (const auto& b : bindings) {
    bound.insert(b.name);
    const auto found = arrays.find(b.name);
    if (found == arrays.end()) {
      report.missing.push_back(b.name);
      continue;
    }
    std::string problem;
    torch::Tensor value = npz_to_torch(found->second, b.layout, b.target.sizes(), problem);
    if (!value.defined()) {
      report.wrong_shape.push_back(b.name + " (stored " + shape_text(found->second.sizes()) + ", model " +
                                   shape_text(b.target.sizes()) + ": " + problem + ")");
      continue;
    }
    ready.emplace_back(&b, value);
  }
  for (const auto& [name, array] : arrays) {
    if (bound.count(name)) continue;
    (is_classifier_array(name) ? report.ignored : report.unexpected).push_back(name);
  }

  if (!report.complete() && !partial) {
    std::string message = source + ": does not fit this model;";
    if (!report.missing.empty())
      message += " " + std::to_string(report.missing.size()) + " missing: " + name_list(report.missing) + ";";
    if (!report.unexpected.empty())
      message += " " + std::to_string(report.unexpected.size()) + " left over: " + name_list(report.unexpected) + ";";
    if (!report.wrong_shape.empty())
      message += " " + std::to_string(report.wrong_shape.size()) + " of the wrong shape: " +
                 name_list(report.wrong_shape) + ";";
    message += " check that the file matches the model (e.g. R50+ViT-B_16.npz for transunet, ViT-B_16.npz for "
               "transunet-vit), or set model option \"pretrained_partial\": true to load only the arrays that fit";
    throw UserError(message);
  }

  torch::NoGradGuard no_grad;
  for (auto& [binding, value] : ready) {
    torch::Tensor target = binding->target;
    target.copy_(value.to(target.options()));
    report.loaded.push_back(binding->name);
  }
  return report;
}

PretrainedReport load_npz_weights(const std::filesystem::path& file, const std::vector<NpzBinding>& bindings,
                                  bool partial) {
  return assign_npz_arrays(read_npz(file), bindings, partial, file.string());
}

std::string describe_partial_load(const PretrainedReport& r) {
  std::string out = "loaded " + std::to_string(r.loaded.size()) + " pretrained arrays";
  if (!r.missing.empty()) out += "; kept initial values for " + std::to_string(r.missing.size()) + " missing: " + name_list(r.missing, 8);
  if (!r.wrong_shape.empty())
    out += "; skipped " + std::to_string(r.wrong_shape.size()) + " of the wrong shape: " + name_list(r.wrong_shape, 8);
  if (!r.unexpected.empty())
    out += "; left " + std::to_string(r.unexpected.size()) + " unused: " + name_list(r.unexpected, 8);
  return out;
}

}  // namespace mis

#include "models/transposed_conv_2x2.h"

#include "core/torch_compat.h"

namespace mis {

torch::Tensor transposed_conv_2x2(const torch::Tensor& x, const torch::nn::ConvTranspose2d& conv) {
  const auto& o = conv->options;
  const auto pair = [](const torch::ExpandingArray<2>& a, int64_t v) { return a->at(0) == v && a->at(1) == v; };
  const torch::ExpandingArray<2>* padding = torch_compat::explicit_padding(o.padding());  // null for kValid/kSame
  TORCH_CHECK(pair(o.kernel_size(), 2) && pair(o.stride(), 2) && padding != nullptr && pair(*padding, 0) &&
                  pair(o.output_padding(), 0) && pair(o.dilation(), 1) && o.groups() == 1,
              "transposed_conv_2x2 needs kernel 2, stride 2, no padding, dilation 1, one group");
  const torch::Tensor& weight = conv->weight;  // (in, out, 2, 2)
  const int64_t in = weight.size(0), out = weight.size(1);
  // (in, out, a, b) -> (out, a, b, in): output channel 4o + 2a + b, the order pixel_shuffle reads.
  const auto as_1x1 = weight.permute({1, 2, 3, 0}).reshape({out * 4, in, 1, 1});
  const auto bias = conv->bias.defined() ? conv->bias.repeat_interleave(4) : torch::Tensor();
  return torch::pixel_shuffle(torch::conv2d(x, as_1x1, bias), 2);
}

}  // namespace mis

#pragma once
// The UNet decoder's 2x2, stride-2 transposed convolution, computed as a 1x1 convolution to
// 4x the output channels followed by a pixel shuffle. The two are the same map: with kernel 2
// and stride 2 the output windows do not overlap, so output pixel (2i+a, 2j+b) of channel o is
// bias[o] + sum_c x[c, i, j] * W[c, o, a, b], which is channel 4o + 2a + b of a 1x1 convolution
// with weight W permuted to (o, a, b, c), rearranged by pixel_shuffle(2) (Shi et al., CVPR 2016,
// arXiv 1609.05158, whose sub-pixel convolution is this identity).
// Why: LibTorch 1.13's CPU transposed convolution takes the unblocked slow_conv_transpose2d
// path, 3x slower than oneDNN's 1x1 convolution in bf16 (forward and backward), and returns
// NCHW from a channels-last input, which the decoder's concatenation then copies back
// (measured in results/bench/README.md, issue 14). The module's weight and bias are used as they
// are, so checkpoints and the FLOP count (model-info) do not change.
#include <torch/torch.h>

namespace mis {

// Same result as conv->forward(x) for a ConvTranspose2d with kernel 2, stride 2, no padding,
// dilation 1 and one group (checked); the output keeps x's memory format.
torch::Tensor transposed_conv_2x2(const torch::Tensor& x, const torch::nn::ConvTranspose2d& conv);

}  // namespace mis

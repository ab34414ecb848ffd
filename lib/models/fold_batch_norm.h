#pragma once
// Batch norm folded into the convolution before it, for inference. In eval mode a BatchNorm2d is
// the per-channel affine map y = s (x - mean) + beta with s = gamma / sqrt(var + eps), so a
// Conv2d followed by it is one Conv2d with weight W s and bias (b - mean) s + beta (Jacob et
// al., CVPR 2018, section 3.2; PyTorch's torch.nn.utils.fusion.fuse_conv_bn_weights). The
// model computes the same function up to float rounding, with one pass over the activations
// fewer per batch-norm layer (issue 14: eval, noise-sweep, calibrate, explain and predict).
#include <torch/torch.h>

namespace mis {

// A new Sequential holding `layers`' modules, except that each plain Conv2d immediately followed
// by a BatchNorm2d in eval mode with running statistics becomes one Conv2d with a bias (on the
// weight's device and dtype); everything else is shared, not copied. `layers` is left as it was.
torch::nn::Sequential fold_batch_norm_into_convs(const torch::nn::Sequential& layers);

}  // namespace mis

#include "viz/png.h"

#include "core/error.h"

namespace mis {

void write_png_rgb(const std::filesystem::path& path, const torch::Tensor& image) {
  if (image.dim() != 3 || image.size(2) != 3 || image.scalar_type() != torch::kUInt8)
    fail_file(path, "internal: write_png_rgb expects a uint8 [H, W, 3] image");
  if (path.extension() != ".png") fail_file(path, "internal: write_png_rgb writes .png files only");
  write_checked_png_rgb(path, image);
}

}  // namespace mis

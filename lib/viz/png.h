#pragma once
// Writing the pictures of viz/images.h as PNG files (through ITK: write_image_2d in
// data/volume_io.h; a build without ITK throws a UserError saying so).
#include <filesystem>

#include <torch/torch.h>

namespace mis {

// Writes a uint8 RGB image [H, W, 3] as a PNG, atomically (a reader never sees half a file).
void write_png_rgb(const std::filesystem::path& path, const torch::Tensor& image);

}  // namespace mis

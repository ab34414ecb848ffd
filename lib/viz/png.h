#pragma once
// Writing the pictures of viz/images.h as PNG files: encoded by libpng in memory and written
// atomically (png_libpng.cpp), or through ITK in a build without libpng (png_nolibpng.cpp).
#include <filesystem>

#include <torch/torch.h>

namespace mis {

// Writes a uint8 RGB image [H, W, 3] as a PNG, atomically (a reader never sees half a file).
void write_png_rgb(const std::filesystem::path& path, const torch::Tensor& image);

// The backend write_png_rgb calls once it has checked the image and the extension (png.cpp):
// png_libpng.cpp or png_nolibpng.cpp, whichever the build has.
void write_checked_png_rgb(const std::filesystem::path& path, const torch::Tensor& image);

}  // namespace mis

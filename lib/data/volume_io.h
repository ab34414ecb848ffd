#pragma once
// Reading and writing medical volumes (NIfTI, and 2-D PNG/BMP/TIFF) through ITK.
// In a build without ITK (-DMIS_WITH_ITK=OFF) these throw a UserError that says so.
#include <array>
#include <filesystem>
#include <string>

#include "data/dataset.h"

namespace mis {

struct Volume {
  torch::Tensor voxels;  // [C, Z, Y, X]: float32 for images, int64 for labels
  Geometry geometry;
};

// True when this binary was built with ITK.
bool volume_io_available();

Volume read_image_volume(const std::filesystem::path& path);  // float32, C channels (RGB -> 3)
Volume read_label_volume(const std::filesystem::path& path);  // int64, one channel

// Writes atomically. `voxels` is [Z, Y, X] (or [1, Z, Y, X]); float images and integer labels.
void write_image_volume(const std::filesystem::path& path, const torch::Tensor& voxels, const Geometry& geometry);
void write_label_volume(const std::filesystem::path& path, const torch::Tensor& voxels, const Geometry& geometry);

// What a file holds, read from its header only: dimensions, size, pixel components and the
// component type's range (8-bit images are 0..255, 16-bit 0..65535), so that 2-D images can be
// scaled to [0, 1] by their type rather than by their own (image-dependent) extremes.
struct ImageFileInfo {
  int dimensions = 0;                    // 2 for PNG/JPEG/BMP/most TIFF, 3 for volumes
  std::array<int64_t, 3> size{1, 1, 1};  // x, y, z (z = 1 for 2-D files)
  int components = 1;                    // 1 grey, 3 RGB, 4 RGBA, ...
  std::string component_type;            // ITK's name: "unsigned_char", "short", "float", ...
  bool integer_type = false;
  double type_max = 0.0;                 // largest value of the component type (integers only)
};

ImageFileInfo read_image_file_info(const std::filesystem::path& path);

// Throws a UserError "<path>: truncated ..." when a NIfTI file (.nii or .nii.gz) holds fewer
// bytes than its header promises, a gzip stream ends early or is corrupt, a JPEG lacks its end
// marker, a PNG its IEND chunk, or a BMP is shorter than its header says. ITK's NIfTI and
// JPEG readers fill missing data (zeros, grey) and only warn, so a cut-short download would
// otherwise pass as data. Other formats are left to their readers. Also throws when a float
// NIfTI holds NaN or infinite voxels, which niftilib's reader replaces by 0 without an error.
// read_image_volume and read_label_volume call it first.
void check_file_complete(const std::filesystem::path& path);

// Writes an 8-bit 2-D image in the format its extension names (.png, .jpg/.jpeg, .bmp,
// .tif/.tiff), atomically. `chw` is uint8 [C, H, W] with C = 1 (grey) or 3 (RGB). Used to
// write small files in a dataset's published layout (tests) and image outputs.
void write_image_2d(const std::filesystem::path& path, const torch::Tensor& chw);

}  // namespace mis

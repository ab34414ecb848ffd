#pragma once
// NumPy's .npy arrays and .npz archives (a zip of `<name>.npy` entries, as np.savez writes
// them): the format Google ships its ViT / R50+ViT ImageNet-21k weights in.
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//
// Only what weight files need is supported: little-endian float32 ('<f4') or float64 ('<f8'),
// C or Fortran order, format versions 1-3. Arrays come back as contiguous float32 CPU tensors
// (float64 is narrowed, since every LibTorch parameter here is float32).
// Reading/writing .npz needs libzip (npz_zip.cpp); a build without it has npz_nozip.cpp,
// whose functions throw a UserError. The .npy codec (npy.cpp) never needs libzip.
#include <filesystem>
#include <map>
#include <string>

#include <torch/torch.h>

namespace mis {

// Parses one .npy file held in memory. `source` names it in errors ("<file.npz>: entry x.npy").
// Anything malformed (bad magic, header, dtype, or a payload of the wrong length) is a
// UserError that starts with `source`.
torch::Tensor decode_npy(const std::string& bytes, const std::string& source);

// Encodes a tensor as a version-1.0 .npy file: '<f4' for float32, '<f8' for float64
// (other dtypes are converted to float32), C order.
std::string encode_npy(const torch::Tensor& array);

// Every array of an .npz archive, keyed by its name without ".npy"
// (e.g. "Transformer/encoderblock_0/MlpBlock_3/Dense_0/kernel").
// A missing, truncated or corrupt file is a UserError naming it.
std::map<std::string, torch::Tensor> read_npz(const std::filesystem::path& path);

// Writes `arrays` as an uncompressed .npz (as np.savez does), atomically.
void write_npz(const std::filesystem::path& path, const std::map<std::string, torch::Tensor>& arrays);

// True when this build can read .npz files (it has libzip).
bool npz_supported();

}  // namespace mis

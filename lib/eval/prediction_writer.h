#pragma once
// `eval --save-predictions DIR`: the predicted label map of every case, in the case's own
// geometry, so `score`, nnU-Net or a viewer read it like a reference:
//   DIR/<role>-<dataset>/<case>.nii.gz                 volumes (NIfTI, uint8 labels)
//   DIR/<role>-<dataset>/<case>.png                    2-D images (one slice; label values as grey levels)
//   DIR/<role>-<dataset>-probabilities/<case>_<class>.nii.gz   with --save-probabilities (float32 softmax)
// Probabilities sit in their own folder so the label folder holds one file per case.
#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace mis {

std::filesystem::path prediction_folder(const std::filesystem::path& root, const std::string& role,
                                        const std::string& dataset_name);

// `labels` [Z, Y, X] integer; `probabilities` [K, Z, Y, X] float or undefined (not written).
// Each file is written atomically.
void save_prediction(const std::filesystem::path& folder, const Case& c, const torch::Tensor& labels,
                     const torch::Tensor& probabilities, const std::vector<std::string>& class_names);

}  // namespace mis

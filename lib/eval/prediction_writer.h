#pragma once
// Predicted label maps and probabilities on disk, for `eval --save-predictions DIR` and `predict`:
//   eval:    DIR/<role>-<dataset>/<case>.nii.gz                 volumes (NIfTI, uint8 labels)
//            DIR/<role>-<dataset>/<case>.png                    2-D images (label values as grey levels)
//            DIR/<role>-<dataset>-probabilities/<case>_<class>.nii.gz   with --save-probabilities
//   predict: OUTPUT/<case>.nii.gz or .png, OUTPUT/probabilities/<case>_<class>.nii.gz
// Probabilities sit in their own folder so the label folder holds one file per case; every file
// is written atomically, in the geometry given, so `score`, nnU-Net or a viewer read it like a
// reference.
#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace mis {

std::filesystem::path prediction_folder(const std::filesystem::path& root, const std::string& role,
                                        const std::string& dataset_name);

// `labels` [Z, Y, X] integer. A .png file gets one 8-bit slice (class indices stay below 256),
// any other name a uint8 NIfTI volume.
void save_label_map(const std::filesystem::path& file, const torch::Tensor& labels, const Geometry& geometry);

// `probabilities` [K, Z, Y, X] float: folder/<id>_<class>.nii.gz, one float32 map per class.
void save_probability_maps(const std::filesystem::path& folder, const std::string& id,
                           const torch::Tensor& probabilities, const Geometry& geometry,
                           const std::vector<std::string>& class_names);

// eval's layout above: `probabilities` may be undefined (not written).
void save_prediction(const std::filesystem::path& folder, const Case& c, const torch::Tensor& labels,
                     const torch::Tensor& probabilities, const std::vector<std::string>& class_names);

}  // namespace mis

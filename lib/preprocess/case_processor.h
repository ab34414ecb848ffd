#pragma once
// Turns one case of a plan into its output files: reads the image(s) and mask, validates them
// (readable, matching geometry, label values inside the dataset's map), converts the mask to
// class labels, reorients and resamples volumes or resizes 2-D images, normalises intensities
// and writes float32 NIfTI images (one per channel) and a uint8 NIfTI label map.
#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/volume_io.h"
#include "preprocess/plan.h"

namespace mis::prep {

// Where a case's files go, relative to the output folder.
struct CaseFiles {
  std::vector<std::filesystem::path> images;  // FOLDER/imagesTr|imagesTs/ID_000C.nii.gz
  std::filesystem::path label;                // FOLDER/labelsTr|labelsTs/ID.nii.gz (empty without a reference)
};

CaseFiles case_files(const DatasetPlan& plan, const CaseSource& source, const std::string& folder);

// Processes `source` and writes its files under `root`. Returns the case's manifest entry:
// sources, original and output grid, intensity statistics per channel, label voxel counts.
json process_case(const DatasetPlan& plan, const PreprocessConfig& config, const CaseSource& source,
                  const std::filesystem::path& root);

// ---- the numerical steps, exposed for tests ----

// Percentile q (0..100) of all values, with linear interpolation between order statistics
// (numpy's default method).
double percentile(const torch::Tensor& values, double q);

// Normalises one channel ([Z, Y, X] float) in place of a copy; `type_max` is the largest value of
// the file's integer component type (0 when unknown or floating point). Fills `stats` with the
// clipping bounds used.
torch::Tensor normalize_channel(const torch::Tensor& channel, Intensity mode, const PreprocessConfig& config,
                                double type_max, json& stats);

// Mask [C, Z, Y, X] float as read from a file -> int64 [1, Z, Y, X] class labels.
// `source` names the file in error messages.
torch::Tensor mask_to_labels(const torch::Tensor& mask, const DatasetPlan& plan, const PreprocessConfig& config,
                             const std::filesystem::path& source);

}  // namespace mis::prep

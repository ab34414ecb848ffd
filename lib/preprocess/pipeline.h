#pragma once
// `preprocess`: a published dataset layout -> a processed dataset that `train`, `eval` and
// nnU-Net read directly. The output folder is itself an nnU-Net v2 raw dataset:
//   OUT/dataset.json   channel_names, labels, numTraining, file_ending ".nii.gz", plus "domain"
//   OUT/imagesTr/ID_0000.nii.gz ...  OUT/labelsTr/ID.nii.gz   (train + validation cases)
//   OUT/imagesTs/...               OUT/labelsTs/...           (test cases)
//   OUT/splits.json    [{"train": [...], "val": [...]}] (nnU-Net's splits_final.json form), when
//                      the dataset has validation cases
//   OUT/manifest.json  cases, splits, classes, grids, intensity statistics, source fingerprints
// Out-of-distribution sets get their own sub-folders, each a valid dataset with only a test
// split (PolypGen: OUT/C1 .. OUT/C6; GlaS additionally writes OUT/testA and OUT/testB).
// Volumes are stored on their canonical-orientation grid with their spacing, intensities
// already windowed or normalised; 2-D images as Z = 1 volumes at the training size.
//
// Cases are processed by a pool of threads and written into OUT.partial/, which survives an
// interrupted run: a rerun with the same settings skips the cases finished there. OUT appears
// (replacing an older OUT) only when every case succeeded.
#include <filesystem>
#include <string>
#include <vector>

#include "preprocess/preprocess_config.h"

namespace mis {

struct PreprocessResult {
  std::filesystem::path output;
  int64_t cases = 0;                // cases in the output
  int64_t reused = 0;               // of which finished by an earlier, interrupted run
  std::vector<std::string> folders; // dataset folders written, relative to output ("" = itself)
  std::vector<std::string> notes;   // things the user should know (also in manifest.json)
};

PreprocessResult run_preprocess(const PreprocessConfig& config);

}  // namespace mis

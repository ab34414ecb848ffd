#pragma once
// A dataset in nnU-Net v2's raw layout:
//   dataset.json  {"channel_names": {"0": "MRI"}, "labels": {"background": 0, "RV": 1, ...},
//                  "numTraining": N, "file_ending": ".nii.gz"}
//   imagesTr/CASE_0000.nii.gz (one file per channel), labelsTr/CASE.nii.gz
//   imagesTs/..., labelsTs/...  (the test split; labelsTs is this project's convention)
// so data prepared for nnU-Net works unchanged, and what `synth` writes works in nnU-Net.
#include <filesystem>

#include "data/dataset.h"

namespace mis {

class NnunetRawDataset : public Dataset {
 public:
  // split: "train" (imagesTr/labelsTr) or "test" (imagesTs/labelsTs).
  NnunetRawDataset(std::filesystem::path root, const std::string& split);

  const DatasetInfo& info() const override { return info_; }
  std::size_t size() const override { return cases_.size(); }
  std::string case_id(std::size_t index) const override { return cases_.at(index); }
  Case load(std::size_t index) const override;
  std::string fingerprint() const override;
  std::string location() const override;

  std::filesystem::path image_path(const std::string& case_id, int channel) const;
  std::filesystem::path label_path(const std::string& case_id) const;

 private:
  std::filesystem::path root_, images_, labels_;
  std::string split_, file_ending_;
  DatasetInfo info_;
  std::vector<std::string> cases_;
};

// Parses dataset.json into DatasetInfo, checking that labels are 0..K-1 without gaps.
DatasetInfo read_nnunet_dataset_json(const std::filesystem::path& json_path, std::string* file_ending);

// The cases of one split (imagesTr + labelsTr, or imagesTs + labelsTs), sorted, checked the way
// nnU-Net v2's verify_dataset_integrity checks them, so that no case is silently left out:
// every file in `images` ending in `file_ending` must be named CASE_XXXX<ending> with XXXX a
// channel of dataset.json; every case needs all `num_channels` channel files (channel 0
// included; with `single_file_channels`, a case may instead hold every channel in its channel-0
// file, nnU-Net's exception for 2-D RGB images); when `labels` exists, every case needs a
// label map there and every label map a case; image or label files with another image ending
// than `file_ending` are errors too. Each mismatch is a UserError naming the cases.
std::vector<std::string> list_nnunet_cases(const std::filesystem::path& images, const std::filesystem::path& labels,
                                           const std::string& file_ending, int num_channels,
                                           bool single_file_channels = false);

// nnU-Net's numTraining check: when dataset.json has numTraining, it must equal the number of
// training cases found (`train_cases`, as list_nnunet_cases returns them). A UserError otherwise.
void check_num_training(const std::filesystem::path& json_path, const std::vector<std::string>& train_cases);

// The cases a dataset written by `preprocess` should hold: when dataset.json names a
// manifest.json (its "manifest" key) and that file exists, the cases it lists for this folder
// and split must be exactly those found (`cases`) in `images`. A UserError naming the cases
// that are missing on disk or not listed.
void check_against_manifest(const std::filesystem::path& root, const std::string& split,
                            const std::vector<std::string>& cases, const std::filesystem::path& images);

}  // namespace mis

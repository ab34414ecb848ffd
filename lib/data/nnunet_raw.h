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

}  // namespace mis

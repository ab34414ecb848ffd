// Synapse multi-organ CT (BTCV, MICCAI 2015 "Multi-Atlas Labeling Beyond the Cranial Vault"),
// following the TransUNet protocol of docs/method.md section 5. Layout read:
//   .../Training/img/img0001.nii.gz ... and .../Training/label/label0001.nii.gz ...
// Sources verified for the label map and split: datasets/synapse/README.md.
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "preprocess/plan.h"

namespace mis::prep {

namespace {

// BTCV label -> TransUNet class (1 aorta, 2 gallbladder, 3 left kidney, 4 right kidney, 5 liver,
// 6 pancreas, 7 spleen, 8 stomach); esophagus (5), IVC (9), portal/splenic veins (10) and the
// adrenal glands (12, 13) become background.
const std::vector<int64_t> kBtcvToTransUnet{
    0,  // 0 background
    7,  // 1 spleen
    4,  // 2 right kidney
    3,  // 3 left kidney
    2,  // 4 gallbladder
    0,  // 5 esophagus
    5,  // 6 liver
    8,  // 7 stomach
    1,  // 8 aorta
    0,  // 9 inferior vena cava
    0,  // 10 portal vein and splenic vein
    6,  // 11 pancreas
    0,  // 12 right adrenal gland
    0,  // 13 left adrenal gland
};

// TransUNet's lists/lists_Synapse/test_vol.txt.
const std::set<std::string> kTestCases{"0001", "0002", "0003", "0004", "0008", "0022",
                                       "0025", "0029", "0032", "0035", "0036", "0038"};

bool has_img_and_label(const fs::path& dir) {
  return fs::is_directory(dir / "img") && fs::is_directory(dir / "label");
}

}  // namespace

DatasetPlan plan_synapse(const PreprocessConfig& c) {
  DatasetPlan plan;
  plan.dataset = "synapse";
  plan.volumetric = true;
  plan.channel_names = {"CT"};
  apply_intensity(plan, c, Intensity::ct_window);
  plan.class_names = {"background", "aorta", "gallbladder", "left_kidney", "right_kidney",
                      "liver",      "pancreas", "spleen",   "stomach"};
  plan.mask_kind = MaskKind::label_map;
  plan.label_lut = kBtcvToTransUnet;
  plan.label_map_name = "the 14 BTCV labels (0 background .. 13 left adrenal gland)";
  plan.folders = {{"", "Synapse", "synapse",
                   "Synapse multi-organ CT (BTCV), TransUNet protocol: 8 organs, 18 train / 12 test, "
                   "CT windowed to [-125, 275] HU and scaled to [0, 1]"}};

  const fs::path root = find_layout_root(
      c.input, 3, has_img_and_label,
      "no folder with img/ and label/ sub-folders found (expected the BTCV 'Abdomen/RawData/Training' layout: "
      "img/img0001.nii.gz, label/label0001.nii.gz); see datasets/synapse/README.md");
  const std::regex image_name(R"(img(\d{4})\.nii(\.gz)?)", std::regex::icase);
  const std::regex label_name(R"(label(\d{4})\.nii(\.gz)?)", std::regex::icase);
  std::map<std::string, fs::path> images, labels;
  for (const auto& f : list_files(root / "img", {".nii.gz", ".nii"})) {
    std::smatch m;
    const std::string name = f.filename().string();
    if (std::regex_match(name, m, image_name)) images[m[1]] = f;
  }
  for (const auto& f : list_files(root / "label", {".nii.gz", ".nii"})) {
    std::smatch m;
    const std::string name = f.filename().string();
    if (std::regex_match(name, m, label_name)) labels[m[1]] = f;
  }
  if (images.empty()) fail_file(root / "img", "no images named img00XX.nii.gz; see datasets/synapse/README.md");
  for (const auto& [number, path] : labels)
    if (!images.count(number))
      fail_file(path, fmt::format("label without an image (expected {}); restore the image or remove the label",
                                  (root / "img" / ("img" + number + ".nii.gz")).string()));
  int missing_test = 0;
  for (const auto& [number, path] : images) {
    if (!labels.count(number))
      fail_file(path, fmt::format("image without a label (expected {}); every Synapse training case needs its label",
                                  (root / "label" / ("label" + number + ".nii.gz")).string()));
    CaseSource cs;
    cs.id = "case" + number;
    cs.split = kTestCases.count(number) ? "test" : "train";
    cs.images = {path};
    cs.label = labels.at(number);
    cs.info = {{"btcv_case", number}};
    plan.cases.push_back(cs);
  }
  for (const auto& t : kTestCases) missing_test += images.count(t) ? 0 : 1;
  if (images.size() != 30 || missing_test > 0)
    plan.notes.push_back(fmt::format("found {} Synapse cases ({} of the 12 TransUNet test cases missing); the "
                                     "protocol uses all 30 (18 train / 12 test)",
                                     images.size(), missing_test));
  plan.split_info = {{"method", "fixed (TransUNet lists/lists_Synapse/test_vol.txt)"},
                     {"test", std::vector<std::string>(kTestCases.begin(), kTestCases.end())}};
  plan.sources = {{"label_map", "open-mmlab/mmsegmentation tools/dataset_converters/synapse.py (label_mapping)"},
                  {"test_cases", "Beckschen/TransUNet lists/lists_Synapse/test_vol.txt"}};
  return plan;
}

}  // namespace mis::prep

// Any dataset in nnU-Net v2's raw layout (3-D NIfTI/NRRD/MHA or 2-D PNG/BMP/TIFF):
//   dataset.json {"channel_names": {"0": "CT"}, "labels": {"background": 0, ...}, "file_ending": ".nii.gz", ...}
//   imagesTr/CASE_0000<ending> (one file per channel; 2-D RGB images may hold R, G, B in one file),
//   labelsTr/CASE<ending>, optional imagesTs/ + labelsTs/ (labelsTs is this project's convention)
// Source: MIC-DKFZ/nnUNet documentation/dataset_format.md (see datasets/nnunet/README.md).
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "data/nnunet_raw.h"
#include "data/image_formats.h"
#include "preprocess/plan.h"

namespace mis::prep {

namespace {

// The "val" ids of fold 0 of an nnU-Net splits file, if the dataset ships one.
std::set<std::string> shipped_validation(const fs::path& root, std::string* used) {
  for (const char* name : {"splits_final.json", "splits.json"}) {
    const fs::path p = root / name;
    if (!fs::exists(p)) continue;
    const json j = read_json_file(p);
    if (!j.is_array() || j.empty() || !j[0].is_object() || !j[0].contains("val") || !j[0]["val"].is_array())
      fail_file(p, "expected nnU-Net's splits format: a list of folds [{\"train\": [...], \"val\": [...]}]");
    std::set<std::string> val;
    for (const auto& id : j[0]["val"]) {
      if (!id.is_string()) fail_file(p, "fold 0 'val' must list case ids as strings");
      val.insert(id.get<std::string>());
    }
    *used = p.string();
    return val;
  }
  return {};
}

}  // namespace

DatasetPlan plan_nnunet(const PreprocessConfig& c) {
  DatasetPlan plan;
  plan.dataset = "nnunet";
  const fs::path root = find_layout_root(
      c.input, 1, [](const fs::path& d) { return fs::is_regular_file(d / "dataset.json"); },
      "no dataset.json found (expected an nnU-Net v2 raw dataset folder: dataset.json, imagesTr/, labelsTr/); see "
      "datasets/nnunet/README.md");
  std::string ending;
  const DatasetInfo info = read_nnunet_dataset_json(root / "dataset.json", &ending);
  const bool two_d = is_2d_image_ending(ending);
  plan.volumetric = !two_d;
  plan.channel_names = info.channel_names;
  plan.class_names = info.class_names;
  plan.mask_kind = MaskKind::label_map;
  for (int k = 0; k < info.num_classes(); ++k) plan.label_lut.push_back(k);
  plan.label_map_name = fmt::format("dataset.json's labels (0..{})", info.num_classes() - 1);
  if (two_d) {
    apply_color(plan, c, ColorMode::keep);
  } else if (c.color != "auto") {
    throw UserError("color=" + c.color + " applies to 2-D images; " + root.string() + " holds " + ending + " volumes");
  }
  if (c.intensity == "auto") {
    for (const auto& name : plan.channel_names)
      plan.intensity.push_back(lower(name) == "ct" ? Intensity::ct_window
                               : two_d             ? Intensity::unit_range
                                                   : Intensity::percentile_zscore);
  } else {
    apply_intensity(plan, c, Intensity::none);
  }
  const std::string name = info.name.empty() ? root.filename().string() : info.name;
  plan.folders = {{"", name, info.domain.empty() ? name : info.domain, "preprocessed from " + root.string()}};

  const int input_channels = info.num_channels();
  std::vector<std::string> train_ids;
  for (const auto& [split, images_dir, labels_dir] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"train", "imagesTr", "labelsTr"},
                                                                      {"test", "imagesTs", "labelsTs"}}) {
    const fs::path images = root / images_dir, labels = root / labels_dir;
    if (!fs::is_directory(images)) {
      // Label maps without their images would be dropped unseen.
      if (fs::is_directory(labels))
        fail_file(labels, fmt::format("holds label maps but {} does not exist; restore the images or remove {}",
                                      images.string(), labels_dir));
      continue;
    }
    const bool have_labels = fs::is_directory(labels);
    if (split == "train" && !have_labels)
      fail_file(labels, "does not exist (every nnU-Net training case needs its segmentation in labelsTr)");
    // Every channel file, label and numTraining checked as nnU-Net's verify_dataset_integrity does;
    // natural RGB 2-D images may hold R, G, B in the channel-0 file (nnU-Net's one exception).
    const auto ids = list_nnunet_cases(images, labels, ending, input_channels, /*single_file_channels=*/two_d);
    if (split == "train") check_num_training(root / "dataset.json", ids);
    for (const auto& id : ids) {
      CaseSource cs;
      cs.id = id;
      cs.split = split;
      for (int ch = 0; ch < input_channels; ++ch) {
        const fs::path p = images / fmt::format("{}_{:04d}{}", id, ch, ending);
        if (fs::exists(p)) cs.images.push_back(p);
      }
      if (have_labels) cs.label = labels / (id + ending);
      if (split == "train") train_ids.push_back(id);
      plan.cases.push_back(cs);
    }
  }
  if (plan.cases.empty()) fail_file(root, "has neither imagesTr/ nor imagesTs/");

  std::string splits_file;
  const std::set<std::string> val = shipped_validation(root, &splits_file);
  if (!splits_file.empty()) {
    for (const auto& id : val)
      if (std::find(train_ids.begin(), train_ids.end(), id) == train_ids.end())
        fail_file(splits_file, "validation case '" + id + "' is not in imagesTr");
    for (auto& cs : plan.cases)
      if (cs.split == "train" && val.count(cs.id)) cs.split = "val";
    plan.split_info = {{"method", "imagesTr / imagesTs as given; validation = fold 0 of " + splits_file}};
  } else {
    const auto splits = seeded_split(train_ids, c.seed, c.val_fraction, 0.0, /*stream=*/7);
    std::size_t k = 0;
    for (auto& cs : plan.cases)
      if (cs.split == "train") cs.split = splits[k++];
    plan.split_info = {{"method", "imagesTr / imagesTs as given; a seeded validation subset of imagesTr"},
                       {"seed", c.seed},
                       {"val_fraction", c.val_fraction}};
  }
  plan.sources = {{"layout", "MIC-DKFZ/nnUNet documentation/dataset_format.md"}};
  return plan;
}

}  // namespace mis::prep

// Skin lesion segmentation: ISIC 2018 task 1 (training / IID) and ISIC 2017 part 1 (the
// cross-domain test set). Layouts read (folder names as the archives unpack):
//   ISIC 2018: ISIC2018_Task1-2_Training_Input/ISIC_0000000.jpg
//              ISIC2018_Task1_Training_GroundTruth/ISIC_0000000_segmentation.png
//              likewise _Validation_ and _Test_ (optional)
//   ISIC 2017: ISIC-2017_Test_v2_Data/ISIC_0012086.jpg (+ ISIC_0012086_superpixels.png, ignored)
//              ISIC-2017_Test_v2_Part1_GroundTruth/ISIC_0012086_segmentation.png
//              likewise ISIC-2017_Training_ and ISIC-2017_Validation_ (optional)
// Masks are 8-bit PNG with 0 (background) and 255 (lesion). Sources: datasets/isic2018/README.md.
#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "preprocess/plan.h"

namespace mis::prep {

namespace {

struct Part {
  std::string images;  // folder of the .jpg images
  std::string masks;   // folder of the *_segmentation.png masks
  std::string split;   // where the part goes when present
};

// Image stem -> (image, mask) for one part; fails on an image without its mask.
std::vector<std::pair<fs::path, fs::path>> read_part(const fs::path& root, const Part& part) {
  const fs::path image_dir = root / part.images, mask_dir = root / part.masks;
  std::map<std::string, fs::path> masks;  // lower-cased stem without "_segmentation"
  for (const auto& m : list_files(mask_dir, {".png"})) {
    const std::string stem = lower(stem_of(m));
    if (ends_with(stem, "_segmentation")) masks[stem.substr(0, stem.size() - 13)] = m;
  }
  std::vector<std::pair<fs::path, fs::path>> out;
  for (const auto& image : list_files(image_dir, {".jpg", ".jpeg"})) {
    const auto it = masks.find(lower(stem_of(image)));
    if (it == masks.end())
      fail_file(image, fmt::format("image without a mask (expected {}/{}_segmentation.png); restore the mask or remove "
                                   "the image",
                                   mask_dir.string(), stem_of(image)));
    out.emplace_back(image, it->second);
  }
  if (out.empty()) fail_file(image_dir, "no .jpg images found");
  return out;
}

bool has(const fs::path& root, const std::string& name) { return fs::is_directory(root / name); }

DatasetPlan isic_plan(const PreprocessConfig& c, const std::string& dataset, const std::string& title,
                      const std::string& required_folder, const std::vector<Part>& parts, std::uint64_t stream) {
  DatasetPlan plan;
  plan.dataset = dataset;
  apply_color(plan, c, ColorMode::rgb);
  apply_intensity(plan, c, Intensity::unit_range);
  plan.class_names = {"background", "lesion"};
  plan.mask_kind = MaskKind::binary;
  const fs::path root = find_layout_root(
      c.input, 2, [&](const fs::path& d) { return has(d, required_folder); },
      fmt::format("no {} folder found; see datasets/{}/README.md for the expected layout", required_folder, dataset));

  // Official parts whose images and ground truth are both present; a missing part's split is
  // drawn from the training images instead (seeded).
  std::map<std::string, std::vector<std::pair<fs::path, fs::path>>> by_split;
  json used = json::array();
  for (const auto& part : parts) {
    const bool images = has(root, part.images), masks = has(root, part.masks);
    if (!images && !masks) continue;
    if (images && !masks) {
      if (part.split == "train" || part.images == required_folder)
        fail_file(root / part.masks, "does not exist (the ground truth of " + part.images + ")");
      plan.notes.push_back(fmt::format("{} has no ground truth folder {}; it is not used", part.images, part.masks));
      continue;
    }
    if (!images) fail_file(root / part.images, "does not exist (the images of " + part.masks + ")");
    auto pairs = read_part(root, part);
    by_split[part.split].insert(by_split[part.split].end(), pairs.begin(), pairs.end());
    used.push_back({{"folder", part.images}, {"split", part.split}, {"images", pairs.size()}});
  }
  const bool has_train = by_split.count("train") > 0;
  const bool need_val = has_train && !by_split.count("val");
  const bool need_test = has_train && !by_split.count("test");
  std::vector<std::string> train_split;
  if (need_val || need_test) {
    std::vector<std::string> names;
    for (const auto& [image, mask] : by_split["train"]) names.push_back(stem_of(image));
    train_split = seeded_split(names, c.seed, need_val ? c.val_fraction : 0.0, need_test ? c.test_fraction : 0.0, stream);
  }
  for (const auto& [split, pairs] : by_split)
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      CaseSource cs;
      cs.id = sanitize_id(stem_of(pairs[i].first));
      cs.split = split == "train" && !train_split.empty() ? train_split[i] : split;
      cs.images = {pairs[i].first};
      cs.label = pairs[i].second;
      plan.cases.push_back(cs);
    }
  plan.folders = {{"", title, dataset, title + " lesion segmentation (dermoscopy)"}};
  plan.split_info = {{"method", "official parts where present; missing validation/test parts are drawn from the "
                                "training images with the seed"},
                     {"parts", used},
                     {"seed", c.seed},
                     {"val_fraction", need_val ? c.val_fraction : 0.0},
                     {"test_fraction", need_test ? c.test_fraction : 0.0}};
  plan.sources = {{"layout", "ISIC challenge task pages (challenge.isic-archive.com) and the archives' folder names; "
                             "see datasets/" + dataset + "/README.md"}};
  return plan;
}

}  // namespace

DatasetPlan plan_isic2018(const PreprocessConfig& c) {
  return isic_plan(c, "isic2018", "ISIC-2018", "ISIC2018_Task1-2_Training_Input",
                   {{"ISIC2018_Task1-2_Training_Input", "ISIC2018_Task1_Training_GroundTruth", "train"},
                    {"ISIC2018_Task1-2_Validation_Input", "ISIC2018_Task1_Validation_GroundTruth", "val"},
                    {"ISIC2018_Task1-2_Test_Input", "ISIC2018_Task1_Test_GroundTruth", "test"}},
                   /*stream=*/3);
}

DatasetPlan plan_isic2017(const PreprocessConfig& c) {
  return isic_plan(c, "isic2017", "ISIC-2017", "ISIC-2017_Test_v2_Data",
                   {{"ISIC-2017_Training_Data", "ISIC-2017_Training_Part1_GroundTruth", "train"},
                    {"ISIC-2017_Validation_Data", "ISIC-2017_Validation_Part1_GroundTruth", "val"},
                    {"ISIC-2017_Test_v2_Data", "ISIC-2017_Test_v2_Part1_GroundTruth", "test"}},
                   /*stream=*/4);
}

}  // namespace mis::prep

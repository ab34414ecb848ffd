// GlaS (MICCAI 2015 Gland Segmentation challenge, Warwick-QU). Layout read:
//   .../Warwick_QU_Dataset/train_1.bmp, train_1_anno.bmp, ... (85 training images)
//   .../testA_1.bmp, testA_1_anno.bmp, ... (60) and testB_1.bmp, testB_1_anno.bmp, ... (20)
// Annotations are instance maps (0 background, 1..N one gland each) and are binarised (> 0).
// The test split is testA + testB; each part is also written as its own folder (testA/,
// testB/) so that the two can be evaluated separately. Sources: datasets/glas/README.md.
#include <map>
#include <regex>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "preprocess/plan.h"

namespace mis::prep {

namespace {
const std::regex kImage(R"((train|testA|testB)_(\d+)\.bmp)", std::regex::icase);
const std::regex kAnno(R"((train|testA|testB)_(\d+)_anno\.bmp)", std::regex::icase);

bool holds_glas(const fs::path& d) {
  for (const auto& f : list_files(d, {".bmp"}))
    if (std::regex_match(f.filename().string(), kImage)) return true;
  return false;
}
}  // namespace

DatasetPlan plan_glas(const PreprocessConfig& c) {
  DatasetPlan plan;
  plan.dataset = "glas";
  apply_color(plan, c, ColorMode::rgb);
  apply_intensity(plan, c, Intensity::unit_range);
  plan.class_names = {"background", "gland"};
  plan.mask_kind = MaskKind::instances;
  const fs::path root = find_layout_root(c.input, 2, holds_glas,
                                         "no train_N.bmp / testA_N.bmp / testB_N.bmp images found (expected the "
                                         "Warwick_QU_Dataset folder); see datasets/glas/README.md");
  std::map<std::string, fs::path> images, annos;  // key: lower-case "train_1"
  std::map<std::string, std::string> part_of;
  for (const auto& f : list_files(root, {".bmp"})) {
    std::smatch m;
    const std::string name = f.filename().string();
    if (std::regex_match(name, m, kAnno)) {
      annos[lower(m[1].str() + "_" + m[2].str())] = f;
    } else if (std::regex_match(name, m, kImage)) {
      const std::string key = lower(m[1].str() + "_" + m[2].str());
      images[key] = f;
      part_of[key] = lower(m[1].str()) == "train" ? "train" : lower(m[1].str()) == "testa" ? "testA" : "testB";
    }
  }
  for (const auto& [key, anno] : annos)
    if (!images.count(key)) fail_file(anno, "annotation without its image; restore the image or remove the annotation");
  std::vector<std::string> train_names;
  for (const auto& [key, image] : images)
    if (part_of[key] == "train") train_names.push_back(key);
  const auto train_split = seeded_split(train_names, c.seed, c.val_fraction, 0.0, /*stream=*/5);
  std::map<std::string, std::string> split_of;
  for (std::size_t i = 0; i < train_names.size(); ++i) split_of[train_names[i]] = train_split[i];
  std::map<std::string, int> counts;
  for (const auto& [key, image] : images) {
    if (!annos.count(key))
      fail_file(image, fmt::format("image without its annotation (expected {}_anno.bmp next to it); restore it or remove "
                                   "the image",
                                   stem_of(image)));
    const std::string& part = part_of[key];
    CaseSource cs;
    cs.id = sanitize_id(stem_of(image));
    cs.split = part == "train" ? split_of.at(key) : "test";
    cs.images = {image};
    cs.label = annos.at(key);
    cs.info = {{"subset", part}};
    if (part != "train") cs.also_in = {part};
    plan.cases.push_back(cs);
    ++counts[part];
  }
  plan.folders = {{"", "GlaS", "glas", "GlaS gland segmentation (H&E histopathology): train, test = testA + testB"},
                  {"testA", "GlaS-testA", "glas", "GlaS test part A (60 images)"},
                  {"testB", "GlaS-testB", "glas", "GlaS test part B (20 images)"}};
  if (counts["train"] != 85 || counts["testA"] != 60 || counts["testB"] != 20)
    plan.notes.push_back(fmt::format("found {} train, {} testA and {} testB images; GlaS has 85, 60 and 20",
                                     counts["train"], counts["testA"], counts["testB"]));
  plan.split_info = {{"method", "official: train_* for training (seeded validation subset), testA_* + testB_* for test"},
                     {"seed", c.seed},
                     {"val_fraction", c.val_fraction}};
  plan.sources = {{"layout", "Warwick-QU GlaS release warwick_qu_dataset_released_2016_07_08.zip (see datasets/glas/README.md)"}};
  return plan;
}

}  // namespace mis::prep

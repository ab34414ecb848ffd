// MoNuSeg (MICCAI 2018 Multi-Organ Nucleus Segmentation). Layout read:
//   "MoNuSeg 2018 Training Data"/"Tissue Images"/TCGA-....tif and .../Annotations/TCGA-....xml (30)
//   "MoNuSegTestData"/TCGA-....tif with TCGA-....xml beside it (14)
// (either may sit one folder deeper, as the zip archives unpack). An image is a test image when
// a folder on its path has "test" in its name. Nuclei are ImageScope XML polygons, rasterised
// here (polygon_raster.h) into a binary nucleus mask. Sources: datasets/monuseg/README.md.
#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "preprocess/plan.h"

namespace mis::prep {

namespace {

void collect_tifs(const fs::path& dir, int depth, std::vector<fs::path>& out) {
  for (const auto& f : list_files(dir, {".tif", ".tiff"})) out.push_back(f);
  if (depth <= 0) return;
  for (const auto& sub : list_dirs(dir)) collect_tifs(sub, depth - 1, out);
}

fs::path annotation_for(const fs::path& image) {
  const std::string stem = stem_of(image);
  for (const fs::path& candidate : {image.parent_path() / (stem + ".xml"),
                                    image.parent_path().parent_path() / "Annotations" / (stem + ".xml")})
    if (fs::is_regular_file(candidate)) return candidate;
  fail_file(image, fmt::format("image without its annotation (expected {}.xml beside it or in ../Annotations/); "
                               "restore it or remove the image",
                               stem));
}

bool under_test_folder(const fs::path& image, const fs::path& input) {
  const fs::path rel = fs::relative(image.parent_path(), input);
  for (const auto& part : rel)
    if (lower(part.string()).find("test") != std::string::npos) return true;
  return false;
}

}  // namespace

DatasetPlan plan_monuseg(const PreprocessConfig& c) {
  DatasetPlan plan;
  plan.dataset = "monuseg";
  apply_color(plan, c, ColorMode::rgb);
  apply_intensity(plan, c, Intensity::unit_range);
  plan.class_names = {"background", "nucleus"};
  plan.mask_kind = MaskKind::polygons;
  plan.folders = {{"", "MoNuSeg", "monuseg", "MoNuSeg nuclei (H&E histopathology), 30 train / 14 test"}};
  require_exists(c.input, "the raw dataset folder given with --input");
  std::vector<fs::path> tifs;
  collect_tifs(c.input, 4, tifs);
  if (tifs.empty())
    fail_file(c.input, "no .tif images found (expected 'MoNuSeg 2018 Training Data/Tissue Images/*.tif' and "
                       "'MoNuSegTestData/*.tif'); see datasets/monuseg/README.md");
  std::map<std::string, fs::path> seen;
  std::vector<std::string> train_names;
  std::vector<CaseSource> cases;
  for (const auto& tif : tifs) {
    const std::string stem = stem_of(tif);
    const auto [it, inserted] = seen.emplace(stem, tif);
    if (!inserted)
      fail_file(tif, fmt::format("a second image named {} (the first is {}); keep one copy of the dataset under --input",
                                 stem, it->second.string()));
    CaseSource cs;
    cs.id = sanitize_id(stem);
    cs.split = under_test_folder(tif, c.input) ? "test" : "train";
    cs.images = {tif};
    cs.label = annotation_for(tif);
    if (cs.split == "train") train_names.push_back(cs.id);
    cases.push_back(cs);
  }
  const auto val_split = seeded_split(train_names, c.seed, c.val_fraction, 0.0, /*stream=*/6);
  std::map<std::string, std::string> split_of;
  for (std::size_t i = 0; i < train_names.size(); ++i) split_of[train_names[i]] = val_split[i];
  int n_train = 0, n_test = 0;
  for (auto& cs : cases) {
    if (cs.split == "train") {
      cs.split = split_of.at(cs.id);
      ++n_train;
    } else {
      ++n_test;
    }
    plan.cases.push_back(cs);
  }
  if (n_train != 30 || n_test != 14)
    plan.notes.push_back(fmt::format("found {} training and {} test images; MoNuSeg has 30 and 14", n_train, n_test));
  plan.split_info = {{"method", "official: images under a folder named *test* are test cases; a seeded validation "
                                "subset of the training images"},
                     {"seed", c.seed},
                     {"val_fraction", c.val_fraction},
                     {"polygon_rule", c.polygon_rule}};
  plan.sources = {{"layout", "MoNuSeg 2018 Training Data / MoNuSegTestData archives (see datasets/monuseg/README.md)"}};
  return plan;
}

}  // namespace mis::prep

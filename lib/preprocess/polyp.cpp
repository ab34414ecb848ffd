// Polyp segmentation: Kvasir-SEG (training / IID) and PolypGen (out-of-distribution, per centre).
//   Kvasir-SEG:  .../Kvasir-SEG/images/<name>.jpg and .../masks/<name>.jpg (same name)
//   PolypGen:    .../PolypGen2021_MultiCenterData_v3/data_C1/images_C1/<name>.jpg and
//                .../data_C1/masks_C1/<name>_mask.jpg, likewise C2..C6
// Masks are JPEG (lossy), so they are thresholded (value > mask_threshold, 127 by default).
// Sources: datasets/kvasir-seg/README.md, datasets/polypgen/README.md.
#include <map>
#include <regex>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "preprocess/plan.h"

namespace mis::prep {

namespace {

const std::vector<std::string> kImageExtensions{".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"};

void setup_polyp_plan(DatasetPlan& plan, const PreprocessConfig& c) {
  apply_color(plan, c, ColorMode::rgb);
  apply_intensity(plan, c, Intensity::unit_range);
  plan.class_names = {"background", "polyp"};
  plan.mask_kind = MaskKind::threshold;
}

// stem -> file, failing on two files with one stem (e.g. a.jpg and a.png).
std::map<std::string, fs::path> by_stem(const std::vector<fs::path>& files) {
  std::map<std::string, fs::path> out;
  for (const auto& f : files) {
    const auto [it, inserted] = out.emplace(stem_of(f), f);
    if (!inserted)
      fail_file(f, fmt::format("two files share the name '{}' ({} and {}); keep one", stem_of(f),
                               it->second.filename().string(), f.filename().string()));
  }
  return out;
}

}  // namespace

DatasetPlan plan_kvasir_seg(const PreprocessConfig& c) {
  DatasetPlan plan;
  plan.dataset = "kvasir-seg";
  setup_polyp_plan(plan, c);
  plan.folders = {{"", "Kvasir-SEG", "kvasir-seg", "Kvasir-SEG polyp images (endoscopy), seeded split"}};
  const fs::path root = find_layout_root(
      c.input, 2, [](const fs::path& d) { return fs::is_directory(d / "images") && fs::is_directory(d / "masks"); },
      "no folder with images/ and masks/ sub-folders found (expected Kvasir-SEG/images/*.jpg and "
      "Kvasir-SEG/masks/*.jpg); see datasets/kvasir-seg/README.md");
  const auto images = by_stem(list_files(root / "images", kImageExtensions));
  const auto masks = by_stem(list_files(root / "masks", kImageExtensions));
  if (images.empty()) fail_file(root / "images", "no images (.jpg) found");
  for (const auto& [stem, mask] : masks)
    if (!images.count(stem)) fail_file(mask, "mask without an image of the same name in images/; remove it or restore the image");
  std::vector<std::string> names;
  for (const auto& [stem, image] : images) {
    if (!masks.count(stem))
      fail_file(image, fmt::format("image without a mask (expected masks/{}.jpg); restore the mask or remove the image", stem));
    names.push_back(stem);
  }
  const auto splits = seeded_split(names, c.seed, c.val_fraction, c.test_fraction, /*stream=*/2);
  for (std::size_t i = 0; i < names.size(); ++i) {
    CaseSource cs;
    cs.id = sanitize_id(names[i]);
    cs.split = splits[i];
    cs.images = {images.at(names[i])};
    cs.label = masks.at(names[i]);
    plan.cases.push_back(cs);
  }
  if (names.size() != 1000) plan.notes.push_back(fmt::format("found {} Kvasir-SEG images; the dataset has 1000", names.size()));
  plan.split_info = {{"method", "seeded, by image (Kvasir-SEG publishes no split)"},
                     {"seed", c.seed},
                     {"val_fraction", c.val_fraction},
                     {"test_fraction", c.test_fraction}};
  plan.sources = {{"layout", "DebeshJha/Kvasir-SEG README.md (images/ and masks/, same names)"}};
  return plan;
}

DatasetPlan plan_polypgen(const PreprocessConfig& c) {
  DatasetPlan plan;
  plan.dataset = "polypgen";
  setup_polyp_plan(plan, c);
  static const std::regex centre_dir(R"(data_C([1-6]))");
  const fs::path root = find_layout_root(
      c.input, 2,
      [](const fs::path& d) {
        for (const auto& sub : list_dirs(d))
          if (std::regex_match(sub.filename().string(), centre_dir)) return true;
        return false;
      },
      "no data_C1 .. data_C6 folders found (expected PolypGen2021_MultiCenterData_v3/data_C1/images_C1/*.jpg); "
      "see datasets/polypgen/README.md");
  for (const auto& dir : list_dirs(root)) {
    std::smatch m;
    const std::string name = dir.filename().string();
    if (!std::regex_match(name, m, centre_dir)) continue;
    const std::string centre = "C" + m[1].str();
    const fs::path image_dir = dir / ("images_" + centre);
    const fs::path mask_dir = dir / ("masks_" + centre);
    require_exists(image_dir, "the single-frame images of centre " + centre);
    require_exists(mask_dir, "the masks of centre " + centre);
    const auto images = by_stem(list_files(image_dir, kImageExtensions));
    const auto masks = by_stem(list_files(mask_dir, kImageExtensions));
    if (images.empty()) fail_file(image_dir, "no images (.jpg) found");
    plan.folders.push_back({centre, "PolypGen-" + centre, "polypgen-" + centre,
                            "PolypGen single-frame images of centre " + centre + " (out-of-distribution test set)"});
    for (const auto& [stem, image] : images) {
      // Masks are <name>_mask.jpg; one C3 image name ends in '_' while its mask does not.
      auto it = masks.find(stem + "_mask");
      if (it == masks.end() && !stem.empty() && stem.back() == '_') it = masks.find(stem.substr(0, stem.size() - 1) + "_mask");
      if (it == masks.end())
        fail_file(image, fmt::format("image without a mask (expected {}/{}_mask.jpg); restore the mask or remove the image",
                                     mask_dir.string(), stem));
      CaseSource cs;
      cs.id = sanitize_id(stem);
      cs.folder = centre;
      cs.split = "test";
      cs.images = {image};
      cs.label = it->second;
      cs.info = {{"centre", centre}};
      plan.cases.push_back(cs);
    }
  }
  if (plan.folders.size() != 6)
    plan.notes.push_back(fmt::format("found {} of PolypGen's 6 centres", plan.folders.size()));
  plan.split_info = {{"method", "all PolypGen single-frame images are test cases, one folder per centre"}};
  plan.sources = {{"layout", "PolypGen2021_MultiCenterData_v3 data_C<n>/images_C<n>, masks_C<n>/<name>_mask.jpg "
                             "(see datasets/polypgen/README.md)"}};
  return plan;
}

}  // namespace mis::prep

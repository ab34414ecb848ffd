// ACDC (Automated Cardiac Diagnosis Challenge, MICCAI 2017) cine MRI. Layout read:
//   .../training/patient001/Info.cfg            ("ED: 1", "ES: 12", "Group: DCM", ...)
//   .../training/patient001/patient001_frame01.nii.gz and patient001_frame01_gt.nii.gz (ED)
//   .../training/patient001/patient001_frame12.nii.gz and patient001_frame12_gt.nii.gz (ES)
// Labels 0 background, 1 RV, 2 MYO, 3 LV. The paper's 70/10/20 split was never published, so
// patients are split with a documented seed (datasets/acdc/README.md).
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "preprocess/plan.h"

namespace mis::prep {

namespace {

bool is_patient_dir(const fs::path& p) {
  static const std::regex name(R"(patient\d{3})");
  return std::regex_match(p.filename().string(), name);
}

bool holds_patients(const fs::path& dir) {
  for (const auto& d : list_dirs(dir))
    if (is_patient_dir(d)) return true;
  return false;
}

// "KEY: value" lines; returns the integer after "ED:" / "ES:".
int read_frame(const fs::path& cfg, const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string k = line.substr(0, colon);
    k.erase(k.find_last_not_of(" \t\r") + 1);
    k.erase(0, k.find_first_not_of(" \t"));
    if (k != key) continue;
    const std::string value = line.substr(colon + 1);
    try {
      std::size_t used = 0;
      const int frame = std::stoi(value, &used);
      if (value.find_first_not_of(" \t\r", used) != std::string::npos || frame < 1) throw std::invalid_argument("");
      return frame;
    } catch (const std::exception&) {
      fail_file(cfg, fmt::format("'{}:' is '{}', not a frame number; restore the file from the ACDC download", key, value));
    }
  }
  fail_file(cfg, fmt::format("no '{}:' line (expected 'ED: N' and 'ES: N' frame numbers); restore the file from the ACDC download",
                             key));
}

}  // namespace

DatasetPlan plan_acdc(const PreprocessConfig& c) {
  DatasetPlan plan;
  plan.dataset = "acdc";
  plan.volumetric = true;
  plan.channel_names = {"MRI"};
  apply_intensity(plan, c, Intensity::percentile_minmax);
  plan.class_names = {"background", "RV", "MYO", "LV"};
  plan.mask_kind = MaskKind::label_map;
  plan.label_lut = {0, 1, 2, 3};
  plan.label_map_name = "the ACDC labels (0 background, 1 RV, 2 MYO, 3 LV)";
  plan.folders = {{"", "ACDC", "acdc",
                   "ACDC cine MRI, ED and ES frames of the 100 training patients; seeded 70/10/20 patient split"}};

  // The challenge's "training" folder holds the 100 annotated patients the paper uses; a
  // "testing" folder next to it is left out (docs/method.md: 100 patients).
  const fs::path root = find_layout_root(
      c.input, 3,
      [](const fs::path& d) { return lower(d.filename().string()) != "testing" && holds_patients(d); },
      "no folder with patientXXX sub-folders found (expected ACDC's training/patient001/...); see "
      "datasets/acdc/README.md");
  if (fs::is_directory(root.parent_path() / "testing"))
    plan.notes.push_back("the 'testing' patients (101-150) are not used: the paper's ACDC protocol splits the 100 "
                         "training patients 70/10/20");

  std::vector<std::string> patients;
  std::vector<std::vector<CaseSource>> by_patient;
  for (const auto& dir : list_dirs(root)) {
    if (!is_patient_dir(dir)) continue;
    const std::string patient = dir.filename().string();
    const fs::path cfg = dir / "Info.cfg";
    require_exists(cfg, "every ACDC patient folder has Info.cfg with its ED and ES frame numbers");
    const std::string text = read_text_file(cfg);
    const int ed = read_frame(cfg, text, "ED");
    const int es = read_frame(cfg, text, "ES");
    std::vector<CaseSource> cases;
    for (const auto& [phase, frame] : std::vector<std::pair<std::string, int>>{{"ED", ed}, {"ES", es}}) {
      if (phase == "ES" && frame == ed) continue;  // one annotated frame serves both
      const std::string id = fmt::format("{}_frame{:02d}", patient, frame);
      CaseSource cs;
      cs.id = id;
      cs.images = {dir / (id + ".nii.gz")};
      cs.label = dir / (id + "_gt.nii.gz");
      require_exists(cs.images[0], fmt::format("the {} frame named in {}", phase, cfg.string()));
      require_exists(cs.label, fmt::format("the {} segmentation of {}", phase, patient));
      cs.info = {{"patient", patient}, {"phase", phase}, {"frame", frame}};
      cases.push_back(cs);
    }
    patients.push_back(patient);
    by_patient.push_back(cases);
  }
  if (patients.empty()) fail_file(root, "no patientXXX folders found");
  if (patients.size() != 100)
    plan.notes.push_back(fmt::format("found {} ACDC patients; the training set has 100", patients.size()));
  const auto splits = seeded_split(patients, c.seed, c.val_fraction, c.test_fraction, /*stream=*/1);
  for (std::size_t p = 0; p < patients.size(); ++p)
    for (auto& cs : by_patient[p]) {
      cs.split = splits[p];
      plan.cases.push_back(cs);
    }
  plan.split_info = {{"method", "seeded, by patient (both frames of a patient stay together)"},
                     {"seed", c.seed},
                     {"val_fraction", c.val_fraction},
                     {"test_fraction", c.test_fraction}};
  plan.sources = {{"layout_and_labels", "MIC-DKFZ/nnUNet nnunetv2/dataset_conversion/Dataset027_ACDC.py"}};
  return plan;
}

}  // namespace mis::prep

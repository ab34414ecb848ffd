#pragma once
// `score`: predictions written by any tool scored against reference label maps, like nnU-Net's
// folder evaluation (compute_metrics_on_folder). Files are matched by case id (the file name
// without its ending: .nii.gz, .nii, .png, .bmp, .tif, .tiff), every reference needs a prediction
// and every prediction a reference.
#include <string>

#include "core/config.h"

namespace mis {

struct ScoreConfig {
  std::string pred;                   // folder of predicted label maps
  std::string ref;                    // folder of reference label maps
  std::string labels;                 // dataset.json (or its folder); "" = look beside ref/pred, else infer
  std::string output;                 // result JSON; the Markdown summary goes beside it (.md)
  std::string convention = "nnunet";  // empty-mask rule and HD95 unit: nnunet (mm) | transunet (voxels)
  std::string hd95 = "medpy";         // medpy | monai | off
  bool check_geometry = true;         // spacing/origin/direction must match (the shape always must)
  int threads = 0;
};

MIS_CONFIG_KEYS(ScoreConfig, pred, ref, labels, output, convention, hd95, check_geometry, threads)
void validate(const ScoreConfig& c, const std::string& source);

// Runs `score`: writes the result JSON and the Markdown summary atomically; returns the document.
json run_score(const ScoreConfig& config);

// The Markdown summary of a score result: per-class means of DSC, IoU, HD95, sensitivity, precision.
std::string score_markdown(const json& doc);

// Where the Markdown summary of `output` goes: the same name with ".md".
std::string markdown_path_for(const std::string& output);

}  // namespace mis

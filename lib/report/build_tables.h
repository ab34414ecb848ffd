#pragma once
// From runs to the report's content: the tables (in the shape of the paper's), the SVG
// figures and the Grad-CAM images to show. Rows are (dataset, architecture); columns put
// spatial-only and spatial+spectral side by side, as mean ± sample std over seeds, with the
// difference (percentage points for DSC/IoU) and a Wilcoxon signed-rank p over test cases,
// each case's value averaged over seeds first and paired by case id.
#include <filesystem>
#include <string>
#include <vector>

#include "report/runs.h"
#include "report/table.h"

namespace mis {

struct Figure {
  std::string file;     // figures/<name>.svg, relative to the report folder
  std::string title;
  std::string section;  // the id of the table it belongs under
  std::string svg;
  std::string caption;  // what a reader needs beyond the title (units, statistics), may be empty
};

struct GalleryImage {
  std::filesystem::path source;  // the PNG written by explain
  std::string file;              // images/<...>.png, relative to the report folder
  std::string caption;
};

// One explained item (case, slice, class, seed) side by side: the overlays of spatial-only and
// spatial+spectral, then their Grad-CAM maps (the ones explain wrote).
struct GalleryRun {
  std::string title;  // "ACDC · unet · case0 slice 12 class LV · seed 0"
  std::vector<GalleryImage> images;
};

struct ReportContent {
  std::string title;
  std::vector<Table> tables;  // tables[0] is the headline
  std::vector<Figure> figures;
  std::vector<GalleryRun> gallery;
  std::string case_csv;  // cases.csv: every per-case number, one per row (report/case_table.h)
};

ReportContent build_report(const std::vector<Run>& runs, const std::string& title);

// The paper's reported DSC gain (pp) from the spectral objective, for cardiac segmentation
// (ACDC) with UNet (+0.81) and TransUNet (+1.63) (docs/method.md section 4); none elsewhere.
std::optional<double> paper_gain(const std::string& dataset, const std::string& model);

}  // namespace mis

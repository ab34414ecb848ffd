#pragma once
// `report`: the paper's tables and figures from a results folder, written as one folder
// (atomically, lib/core/files.h StagingDir):
//   report.md    the headline table first, then IID, OOD, noise, calibration, ablations,
//                interpretability, the paper's reported gains and the list of runs
//   report.tex   a LaTeX article that compiles on its own with pdflatex (report/latex.h),
//                around report_body.tex: the tables and figures, to \input into a paper
//   report.json  {"schema": "mis-spectral/report", "schema_version": 1, "title",
//                 "tables": [see table_writers.h], "figures": [{"file", "title", "section"}],
//                 "images": [{"file", "caption", "run"}]}
//   cases.csv    every per-case, per-class number in one tidy table (report/case_table.h)
//   tables/<id>.csv, figures/*.svg (and *.pdf, *.png where the build renders them,
//   report/figure_render.h), images/<run>/*.png (copies of explain's PNGs), index.html
#include <filesystem>
#include <string>

#include "core/json.h"
#include "report/build_tables.h"

namespace mis {

constexpr const char* kReportSchema = "mis-spectral/report";

std::string markdown_report(const ReportContent& r);
json report_json(const ReportContent& r);
// index.html: every table, figure and Grad-CAM image, linked by relative paths.
std::string html_report(const ReportContent& r);

// Writes the whole folder; an explain image that is missing on disk is an error naming it.
// `inputs` are the results the report was built from: an `out_dir` that is one of them or
// contains one is refused (replacing it would delete them), as is a folder that is not empty
// and not an earlier report (core/files.h require_replaceable_output).
void write_report(const ReportContent& r, const std::filesystem::path& out_dir,
                  const std::vector<std::filesystem::path>& inputs);

}  // namespace mis

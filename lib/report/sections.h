#pragma once
// The report's sections, one file each, in the order build_report puts them (build_tables.cpp):
// section_main.cpp       headline, IID, OOD and the paper's reported gains
// section_per_class.cpp  per-class results, per-case DSC, missed structures and sensitivity
// section_noise.cpp      noise robustness (table, line plots, Holm over the grid)
// section_calibration.cpp calibration before and after temperature scaling, reliability diagrams
// section_runs.cpp       ablations and the list of runs
// section_explain.cpp    Grad-CAM energy in mask and the images to show
// section_training.cpp   training curves from train_log.jsonl
// A section that adds figures (or images) takes the report being built.
#include <vector>

#include "report/build_tables.h"
#include "report/comparison.h"

namespace mis {

Table headline_table(const Context& ctx);
Table iid_table(const Context& ctx);
Table ood_table(const Context& ctx);
Table paper_table(const Context& ctx);
void per_class_section(const Context& ctx, ReportContent& out);
void noise_section(const Context& ctx, ReportContent& out);
void calibration_section(const Context& ctx, ReportContent& out);
// Empty, and so left out of the report, when no run fitted a temperature.
Table temperature_table(const Context& ctx);
Table ablation_table(const Context& ctx);
Table runs_table(const std::vector<Run>& runs);
void explain_section(const Context& ctx, ReportContent& out);
// Left out when no run has a train_log.jsonl.
void training_section(const Context& ctx, ReportContent& out);

}  // namespace mis

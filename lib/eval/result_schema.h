#pragma once
// The one results schema. Every command that measures something (eval, noise-sweep, calibrate,
// explain, score) writes a JSON document of this shape, and `report` reads only this.
//
// {
//   "schema": "mis-spectral/result", "schema_version": 1, "kind": "eval",
//   "code_version": "...", "created": "2026-11-26T21:00:00Z", "runtime": "...",
//   "config": {...the command's config...}, "train_config": {...}, "model": {...},
//   "classes": ["background", "RV", ...], "convention": "nnunet",
//   "evaluations": [{
//      "role": "iid" | "ood", "dataset": {"name","domain","location","fingerprint","cases"},
//      "cases": [{"id", "domain", "metrics": {"RV": {"dsc","iou","sensitivity","precision","missed",...}}}],
//      "summary": {"per_class": {"RV": {"dsc": {"mean","std","n"}, ...}}, "mean": {"dsc": x, "iou": y}},
//      "seconds": s,
//      "calibration": {...}, "noise": {"type", "level"} (noise-sweep); "hd95" among the metrics
//   }]
// }
#include <string>
#include <vector>

#include "core/json.h"

namespace mis {

constexpr int kResultSchemaVersion = 1;
constexpr const char* kResultSchema = "mis-spectral/result";

// The time now in UTC, ISO 8601 ("2026-11-26T21:00:00Z").
std::string utc_now();

// The common header: schema, version, kind, code version and creation time (UTC).
json result_header(const std::string& kind);

// Throws a UserError naming `source` unless `doc` is a result of a version this build reads.
void validate_result(const json& doc, const std::string& source);

// Per-class statistics over cases (nulls left out) and the mean over foreground classes.
// Summarises every numeric metric found in the cases.
json summarize_cases(const json& cases, const std::vector<std::string>& class_names);

}  // namespace mis

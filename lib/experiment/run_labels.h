#pragma once
// The labels of a run in run.json: `run` writes them from the experiment file and `report`
// groups and names its table rows by them. One struct for both sides, so they cannot drift.
#include <cstdint>
#include <string>

#include "core/json.h"

namespace mis {

constexpr const char* kRunRecordSchema = "mis-spectral/run";  // run.json's "schema"

struct RunLabels {
  std::string dataset;         // the experiment's dataset name, e.g. ACDC
  std::string model;           // the experiment's model name, e.g. unet
  std::string variant;         // "spatial" (lambda 0) | "spectral"
  std::string group = "main";  // "main" or an ablation's name
  std::string setting;         // the experiment's loss name, e.g. "spectral" or "lambda-0.25"
  std::uint64_t seed = 0;
};
json to_json(const RunLabels& labels);

// The labels as `run` writes them, each key checked for its type: dataset, model, variant and
// group non-empty strings, setting a string (may be absent), seed a non-negative integer. A wrong
// or missing key is a UserError '"labels.KEY" is VALUE, expected TYPE' (the caller names the file).
RunLabels run_labels_from_json(const json& labels);

}  // namespace mis

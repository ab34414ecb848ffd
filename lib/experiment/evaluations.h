#pragma once
// The evaluations a run can end with. Each is one of the measuring commands (eval, noise-sweep,
// calibrate, explain) called through the library with the run's checkpoint and datasets, so an
// experiment produces exactly the result files the commands write by hand.
#include <functional>
#include <string>
#include <vector>

#include "core/json.h"

namespace mis {

struct EvaluationKind {
  std::string name;       // as written in experiment files
  std::string file;       // result file inside the run folder
  json defaults;          // the command's default config (validates an experiment's settings)
  bool takes_ood = false; // the command accepts out-of-distribution datasets ("ood")
  std::function<json(const json& config)> run;  // runs the command; writes config["output"]
};

// In the order a run performs them.
const std::vector<EvaluationKind>& evaluation_kinds();

// The kind called `name`, or a UserError naming `source` and listing the kinds.
const EvaluationKind& evaluation_kind(const std::string& name, const std::string& source);

// The full command config of one evaluation of a run: the experiment's `settings` over the
// command's defaults, with the run's checkpoint, datasets, output file and compute settings.
json evaluation_config(const EvaluationKind& kind, const json& settings, const std::string& checkpoint,
                       const std::string& data, const std::vector<std::string>& ood, const std::string& output,
                       int threads, const std::string& device);

}  // namespace mis

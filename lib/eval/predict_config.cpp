#include "eval/predict_config.h"

#include "core/error.h"

namespace mis {

json to_json(const PredictConfig& c) {
  return {{"checkpoint", c.checkpoint}, {"input", c.input},         {"output", c.output},
          {"tta", c.tta},               {"save_probabilities", c.save_probabilities},
          {"batch_size", c.batch_size}, {"precision", c.precision}, {"threads", c.threads},
          {"device", c.device}};
}

PredictConfig predict_config_from_json(const json& given, const std::string& source) {
  const json defaults = to_json(PredictConfig{});
  reject_unknown_keys(given, defaults, source);
  const json j = merge_json(defaults, given);
  PredictConfig c;
  try {
    c.checkpoint = j.at("checkpoint").get<std::string>();
    c.input = j.at("input").get<std::string>();
    c.output = j.at("output").get<std::string>();
    c.tta = j.at("tta").get<bool>();
    c.save_probabilities = j.at("save_probabilities").get<bool>();
    c.batch_size = j.at("batch_size").get<int64_t>();
    c.precision = j.at("precision").get<std::string>();
    c.threads = j.at("threads").get<int>();
    c.device = j.at("device").get<std::string>();
  } catch (const json::exception& e) {
    throw UserError(source + ": wrong type for a setting (" + e.what() + ")");
  }
  if (c.checkpoint.empty()) throw UserError("predict needs a checkpoint (--checkpoint/-c)");
  if (c.input.empty()) throw UserError("predict needs images to predict (--input/-i: a folder, a file or a dataset folder)");
  if (c.output.empty()) throw UserError("predict needs an output folder (--output/-o)");
  if (c.batch_size < 1) throw UserError(source + ": batch_size must be at least 1");
  if (c.precision != "checkpoint" && c.precision != "fp32" && c.precision != "bf16")
    throw UserError(source + ": precision '" + c.precision + "' must be checkpoint, fp32 or bf16");
  return c;
}

}  // namespace mis

#include "eval/eval_config.h"

#include "core/error.h"

namespace mis {

json to_json(const EvalConfig& c) {
  return {{"checkpoint", c.checkpoint}, {"data", c.data},       {"split", c.split},
          {"ood", c.ood},               {"output", c.output},   {"batch_size", c.batch_size},
          {"convention", c.convention}, {"hd95", c.hd95},       {"save_predictions", c.save_predictions},
          {"save_probabilities", c.save_probabilities},       {"threads", c.threads},
          {"device", c.device}};
}

EvalConfig eval_config_from_json(const json& given, const std::string& source) {
  const json defaults = to_json(EvalConfig{});
  reject_unknown_keys(given, defaults, source);
  const json j = merge_json(defaults, given);
  EvalConfig c;
  try {
    c.checkpoint = j.at("checkpoint").get<std::string>();
    c.data = j.at("data").get<std::string>();
    c.split = j.at("split").get<std::string>();
    c.ood = j.at("ood").get<std::vector<std::string>>();
    c.output = j.at("output").get<std::string>();
    c.batch_size = j.at("batch_size").get<int64_t>();
    c.convention = j.at("convention").get<std::string>();
    c.hd95 = j.at("hd95").get<std::string>();
    c.save_predictions = j.at("save_predictions").get<std::string>();
    c.save_probabilities = j.at("save_probabilities").get<bool>();
    c.threads = j.at("threads").get<int>();
    c.device = j.at("device").get<std::string>();
  } catch (const json::exception& e) {
    throw UserError(source + ": wrong type for a setting (" + e.what() + ")");
  }
  if (c.batch_size < 1) throw UserError(source + ": batch_size must be at least 1");
  if (c.hd95 != "off" && c.hd95 != "medpy" && c.hd95 != "monai")
    throw UserError(source + ": hd95 '" + c.hd95 + "' must be medpy, monai or off");
  if (c.save_probabilities && c.save_predictions.empty())
    throw UserError(source + ": save_probabilities needs save_predictions (the folder to write them to)");
  return c;
}

}  // namespace mis

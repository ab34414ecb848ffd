#include "eval/eval_config.h"

#include "core/error.h"

namespace mis {

void validate(const EvalConfig& c, const std::string& source) {
  if (c.batch_size < 1) throw UserError(source + ": batch_size must be at least 1");
  if (c.hd95 != "off" && c.hd95 != "medpy" && c.hd95 != "monai")
    throw UserError(source + ": hd95 '" + c.hd95 + "' must be medpy, monai or off");
  if (c.save_probabilities && c.save_predictions.empty())
    throw UserError(source + ": save_probabilities needs save_predictions (the folder to write them to)");
}

}  // namespace mis

#include "eval/predict_config.h"

#include "core/error.h"

namespace mis {

void validate(const PredictConfig& c, const std::string& source) {
  if (c.checkpoint.empty()) throw UserError("predict needs a checkpoint (--checkpoint/-c)");
  if (c.input.empty()) throw UserError("predict needs images to predict (--input/-i: a folder, a file or a dataset folder)");
  if (c.output.empty()) throw UserError("predict needs an output folder (--output/-o)");
  if (c.batch_size < 1) throw UserError(source + ": batch_size must be at least 1");
  if (c.precision != "checkpoint" && c.precision != "fp32" && c.precision != "bf16")
    throw UserError(source + ": precision '" + c.precision + "' must be checkpoint, fp32 or bf16");
}

}  // namespace mis

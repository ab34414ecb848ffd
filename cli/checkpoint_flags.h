#pragma once
// The flags every command that applies a checkpoint shares (eval, noise-sweep, calibrate,
// explain, predict), declared once.
#include "config_flags.h"

namespace mis::cli {

// --checkpoint/-c (key "checkpoint") and --checkpoint-kind (key "checkpoint_kind").
void add_checkpoint_flags(ConfigFlags& flags);

}  // namespace mis::cli

#include "checkpoint_flags.h"

namespace mis::cli {

void add_checkpoint_flags(ConfigFlags& flags) {
  required(flags.add("--checkpoint,-c", "/checkpoint", "checkpoint.pt written by train, or its run folder"));
  flags.add("--checkpoint-kind", "/checkpoint_kind",
            "Which checkpoint of the run: last (the end of training, as the paper) | best (the highest validation "
            "Dice, kept as checkpoint_best.pt by train --val-split/--val-fraction)");
}

}  // namespace mis::cli

#pragma once
// The training loop: SGD or AdamW with TransUNet's poly decay, seeded batches and
// augmentation, a JSON-lines log, atomic checkpoints, and resume after a kill.
#include <filesystem>
#include <functional>

#include "train/train_config.h"

namespace mis {

struct TrainOutcome {
  int64_t steps = 0;
  int64_t resumed_from = 0;
  double seconds = 0;
  double final_loss = 0;
  bool already_complete = false;
  bool interrupted = false;  // stopped on request after a checkpoint; --resume continues
  std::filesystem::path checkpoint;
};

// Files a run folder holds.
std::filesystem::path checkpoint_path(const std::filesystem::path& run_dir);
std::filesystem::path train_log_path(const std::filesystem::path& run_dir);
// With validation (TrainConfig::validation): the checkpoint of the best validation score so far.
std::filesystem::path best_checkpoint_path(const std::filesystem::path& run_dir);
std::filesystem::path train_summary_path(const std::filesystem::path& run_dir);

// The checkpoint that eval, predict and the other checkpoint commands load (--checkpoint-kind):
// `given` is a run folder (train's --output) or a checkpoint file. For a folder, "last" is its
// checkpoint.pt (the paper's choice) and "best" its checkpoint_best.pt; for a file, "last" is the
// file itself and "best" the checkpoint_best.pt beside it. A missing best checkpoint is a
// UserError that says it comes from training with --val-split or --val-fraction.
std::filesystem::path resolve_checkpoint(const std::filesystem::path& given, const std::string& kind);

// `resume`: continue from the run folder's checkpoint (or start fresh when it has none).
// Without it, a run folder that already holds a checkpoint is an error, never overwritten.
// `stop_requested(done)` is asked after each step (e.g. on Ctrl-C): when it says yes, the
// trainer writes a checkpoint and returns with `interrupted` set.
TrainOutcome train(const TrainConfig& config, bool resume,
                   const std::function<bool(int64_t steps_done)>& stop_requested = {});

}  // namespace mis

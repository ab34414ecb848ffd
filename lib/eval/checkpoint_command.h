#pragma once
// What every command that applies a trained checkpoint to datasets shares (eval, noise-sweep,
// calibrate, explain; the coming predict): the output folder checked before any work, the
// device and threads set, the checkpoint loaded for inference, the datasets opened up front,
// the reference-label check, and the header and dataset blocks of the result file
// (eval/result_schema.h). Each command keeps only its own logic, as MONAI's metric classes share
// one base and nnU-Net's evaluation one compute_metrics.
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/dataset.h"
#include "eval/evaluator.h"

namespace mis {

struct CheckpointCommand {
  std::string checkpoint_file;  // the file loaded: --checkpoint resolved for --checkpoint-kind
  torch::Device device;
  InferenceModel inference;  // the model (eval mode, on the device) and its InferenceSettings

  SegmentationModelImpl& model() const { return *inference.loaded.model; }
  const InferenceSettings& settings() const { return inference.settings; }
  const std::vector<std::string>& classes() const { return inference.loaded.meta.class_names; }
};

// Makes sure the folder of `output` (the result JSON) exists and is writable, sets the device
// and the thread count, and loads for inference with `batch_size` the checkpoint of kind
// `checkpoint_kind` (last | best) that `checkpoint` (a file or a run folder) names
// (train/trainer.h, resolve_checkpoint). The command has checked its own options before (their
// messages name the command).
CheckpointCommand open_checkpoint_command(const std::string& checkpoint, const std::string& checkpoint_kind,
                                          const std::string& output, const std::string& device, int threads,
                                          int64_t batch_size);

// The result header of such a command: result_header(kind), then runtime, inference settings,
// the command's config, the checkpoint file loaded, its train config, model, step and classes.
json checkpoint_result_header(const std::string& kind, const CheckpointCommand& command, const json& config);

// The "dataset" block of an evaluation: name, domain, location, fingerprint, number of cases.
json dataset_json(const Dataset& dataset);

// A dataset with the role it plays in the results: "iid" (the --data split) or "ood".
struct RoleDataset {
  std::string role;
  std::unique_ptr<Dataset> dataset;
};

// --data's `split` as "iid" (when given) and each --ood folder's test split as "ood", all opened
// before any inference, so that a wrong path fails before minutes of work.
std::vector<RoleDataset> open_iid_and_ood(const std::string& data, const std::string& split,
                                          const std::vector<std::string>& ood);

// Case `c` of `dataset` must have a reference label map: a UserError "<dataset>: case X has no
// reference label map <purpose>" otherwise, e.g. purpose "to score against".
void require_label(const Dataset& dataset, const Case& c, const std::string& purpose);

}  // namespace mis

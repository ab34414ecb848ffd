#pragma once
// Validation during training (train --val-split val | --val-fraction F): which training cases are
// held out, and the score the trainer keeps its best checkpoint by. The score is nnU-Net v2's
// "pseudo Dice" of its training log: true/false positives and false negatives of each foreground
// class summed over a fixed set of validation slices, one Dice per class from the sums, and
// their mean. It is cheap (2-D slices at the training size, no resampling, no HD95) and a
// guide for choosing a checkpoint, not a result: `eval` scores per volume.
#include <set>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/slices.h"
#include "models/segmentation_model.h"
#include "train/step.h"
#include "train/train_config.h"

namespace mis {

// The ids among `case_ids` held out for validation: fold 0's "val" list of `data`/splits.json
// (a UserError naming the file when it is missing or lists a case that is not there), or a
// seeded fraction of them. At least one case stays in training.
std::set<std::string> validation_cases(const TrainConfig& config, const std::vector<std::string>& case_ids);

// The slices of `pool` whose case is (keep = true) or is not (keep = false) in `ids`.
SlicePool select_cases(const SlicePool& pool, const std::set<std::string>& ids, bool keep);

// `count` slice indices spread evenly over [0, n): all of them when n <= count.
std::vector<int64_t> evenly_spaced(int64_t n, int64_t count);

// The pseudo Dice above, of `model` on pool[indices]: {"val_dsc": mean over the classes present
// in reference or prediction, "val_dsc_per_class": [one per foreground class, null where a class
// is in neither]}. The model is put in eval mode and back in train mode; no gradient, no RNG.
json validation_score(SegmentationModelImpl& model, const SlicePool& pool, const std::vector<int64_t>& indices,
                      int64_t num_classes, int64_t batch_size, const StepSettings& settings);

}  // namespace mis

#pragma once
// Which data a run was made from (run.json's "data"), and whether that data changed since.
#include "core/json.h"
#include "experiment/experiment.h"

namespace mis {

// Which data a run was trained and evaluated on, so that a run notices when its data changed
// under it (e.g. `synth` rerun with another seed into the same folder) instead of calling
// results of the old data complete.
//
// run.json records {"data": {"stamps": {folder: stamp}, "train": fingerprint, "evaluation":
// fingerprint}}. The fingerprints are the datasets' content fingerprints (Dataset::fingerprint,
// the one result files record): "train" of the split trained on, "evaluation" of every split
// the evaluations read (the IID test split, the OOD test splits). A stamp hashes the names,
// sizes and modification times of a folder's files: while the stamps are unchanged the data is
// taken to be unchanged without reading it; when a stamp differs (new data, or the same data
// copied or rewritten) the contents decide, so copying the data redoes nothing.

// The data a run reads now: {"stamps", "train", "evaluation"}. A fingerprint is "" when its
// dataset cannot be read (missing folder, broken dataset.json): training will say why.
json current_run_data(const RunSpec& run);

struct DataChange {
  bool train = false;       // the training split's contents differ from what the run trained on
  bool evaluation = false;  // the evaluated splits' contents differ from what the run measured
  json now;                 // the data now, to record (record["data"] when nothing is recorded)
};

// Compares `record`'s "data" with the data on disk. Nothing recorded (a run that has not
// started, or a run folder of an older version) or data that cannot be read counts as no change.
DataChange compare_run_data(const json& record, const RunSpec& run);

}  // namespace mis

#pragma once
// The one dataset interface. The synthetic benchmark and every real dataset are read through
// it, so training, evaluation and scoring never care where a case came from.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mis {

// Where voxels sit in the world, in ITK's (x, y, z) order and millimetres.
struct Geometry {
  std::array<double, 3> spacing{1.0, 1.0, 1.0};
  std::array<double, 3> origin{0.0, 0.0, 0.0};
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major 3x3
};

struct Case {
  std::string id;
  std::string domain;
  torch::Tensor image;  // float32 [C, Z, Y, X]; 2-D images have Z = 1
  torch::Tensor label;  // int64 [Z, Y, X], values 0..K-1; undefined when there is no reference
  Geometry geometry;
};

struct DatasetInfo {
  std::string name;
  std::string domain;                      // the acquisition domain of this folder, if known
  std::vector<std::string> channel_names;  // one per input channel
  std::vector<std::string> class_names;    // index = label value; [0] is background
  int num_classes() const { return static_cast<int>(class_names.size()); }
  int num_channels() const { return static_cast<int>(channel_names.size()); }
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual const DatasetInfo& info() const = 0;
  virtual std::size_t size() const = 0;
  virtual std::string case_id(std::size_t index) const = 0;
  // Reads one case; throws a UserError naming the file when it is unreadable or inconsistent.
  virtual Case load(std::size_t index) const = 0;
  // A hash of the files behind this dataset (names and contents).
  virtual std::string fingerprint() const = 0;
  // Where the data lives, for result files.
  virtual std::string location() const = 0;
};

// Opens a dataset folder for a split ("train" or "test"): a pack (data/pack.h), or a folder in
// nnU-Net v2 raw layout (data/nnunet_raw.h), read through its pack in a build without ITK.
std::unique_ptr<Dataset> open_dataset(const std::string& folder, const std::string& split);

}  // namespace mis

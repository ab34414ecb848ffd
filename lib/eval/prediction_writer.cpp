#include "eval/prediction_writer.h"

#include "core/files.h"
#include "data/volume_io.h"

namespace mis {

namespace fs = std::filesystem;

fs::path prediction_folder(const fs::path& root, const std::string& role, const std::string& dataset_name) {
  return root / (role + "-" + dataset_name);
}

void save_prediction(const fs::path& folder, const Case& c, const torch::Tensor& labels,
                     const torch::Tensor& probabilities, const std::vector<std::string>& class_names) {
  ensure_writable_dir(folder);
  if (labels.size(0) == 1) {
    // A 2-D image: PNG like the datasets' own masks (class indices stay below 256).
    write_image_2d(folder / (c.id + ".png"), labels.to(torch::kUInt8));
  } else {
    write_label_volume(folder / (c.id + ".nii.gz"), labels, c.geometry);
  }
  if (!probabilities.defined()) return;
  const fs::path prob_folder = folder.string() + "-probabilities";
  ensure_writable_dir(prob_folder);
  for (std::size_t k = 0; k < class_names.size(); ++k)
    write_image_volume(prob_folder / (c.id + "_" + class_names[k] + ".nii.gz"), probabilities[static_cast<int64_t>(k)],
                       c.geometry);
}

}  // namespace mis

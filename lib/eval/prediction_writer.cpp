#include "eval/prediction_writer.h"

#include "core/files.h"
#include "data/volume_io.h"

namespace mis {

namespace fs = std::filesystem;

fs::path prediction_folder(const fs::path& root, const std::string& role, const std::string& dataset_name) {
  return root / (role + "-" + dataset_name);
}

void save_label_map(const fs::path& file, const torch::Tensor& labels, const Geometry& geometry) {
  if (file.extension() == ".png")
    write_image_2d(file, labels.to(torch::kUInt8));  // [1, H, W]: one grey channel
  else
    write_label_volume(file, labels, geometry);
}

void save_probability_maps(const fs::path& folder, const std::string& id, const torch::Tensor& probabilities,
                           const Geometry& geometry, const std::vector<std::string>& class_names) {
  ensure_writable_dir(folder);
  for (std::size_t k = 0; k < class_names.size(); ++k)
    write_image_volume(folder / (id + "_" + class_names[k] + ".nii.gz"), probabilities[static_cast<int64_t>(k)],
                       geometry);
}

void save_prediction(const fs::path& folder, const Case& c, const torch::Tensor& labels,
                     const torch::Tensor& probabilities, const std::vector<std::string>& class_names) {
  ensure_writable_dir(folder);
  // A 2-D image (one slice): PNG like the datasets' own masks.
  save_label_map(folder / (c.id + (labels.size(0) == 1 ? ".png" : ".nii.gz")), labels, c.geometry);
  if (probabilities.defined())
    save_probability_maps(folder.string() + "-probabilities", c.id, probabilities, c.geometry, class_names);
}

}  // namespace mis

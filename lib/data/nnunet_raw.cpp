#include "data/nnunet_raw.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/fingerprint.h"
#include "core/json.h"
#include "data/volume_io.h"

namespace mis {

namespace fs = std::filesystem;

DatasetInfo read_nnunet_dataset_json(const fs::path& json_path, std::string* file_ending) {
  const json j = read_json_file(json_path);
  for (const char* key : {"channel_names", "labels", "file_ending"})
    if (!j.contains(key)) fail_file(json_path, fmt::format("missing key '{}' (nnU-Net v2 dataset.json)", key));
  DatasetInfo info;
  info.name = j.value("name", json_path.parent_path().filename().string());
  info.domain = j.value("domain", "");
  const auto& channels = j["channel_names"];
  info.channel_names.resize(channels.size());
  for (const auto& [index, name] : channels.items()) {
    const auto i = static_cast<std::size_t>(std::stoul(index));
    if (i >= channels.size()) fail_file(json_path, "channel_names must be numbered 0..C-1, found '" + index + "'");
    info.channel_names[i] = name.get<std::string>();
  }
  std::map<int, std::string> by_value;
  for (const auto& [name, value] : j["labels"].items()) {
    if (!value.is_number_integer())
      fail_file(json_path, "label '" + name + "' must map to one integer (region-based labels are not supported)");
    by_value[value.get<int>()] = name;
  }
  int expected = 0;
  for (const auto& [value, name] : by_value) {
    if (value != expected)
      fail_file(json_path, fmt::format("labels must be consecutive integers from 0 (background); '{}' is {} where {} was expected",
                                       name, value, expected));
    info.class_names.push_back(name);
    ++expected;
  }
  if (info.class_names.size() < 2) fail_file(json_path, "labels must name the background (0) and at least one class");
  if (file_ending) *file_ending = j["file_ending"].get<std::string>();
  return info;
}

NnunetRawDataset::NnunetRawDataset(fs::path root, const std::string& split) : root_(std::move(root)), split_(split) {
  require_exists(root_, "expected a dataset folder in nnU-Net v2 raw layout");
  if (!fs::is_directory(root_)) fail_file(root_, "expected a dataset folder, found a file");
  const fs::path json_path = root_ / "dataset.json";
  require_exists(json_path, "every nnU-Net v2 dataset folder has a dataset.json");
  info_ = read_nnunet_dataset_json(json_path, &file_ending_);

  if (split == "train") {
    images_ = root_ / "imagesTr";
    labels_ = root_ / "labelsTr";
  } else if (split == "test") {
    images_ = root_ / "imagesTs";
    labels_ = root_ / "labelsTs";
  } else {
    throw UserError("unknown split '" + split + "' (expected train or test)");
  }
  require_exists(images_, fmt::format("the {} split of {}", split, root_.string()));

  // A case is named by its channel-0 file: CASE_0000<ending>.
  const std::string channel0 = "_0000" + file_ending_;
  for (const auto& entry : fs::directory_iterator(images_)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > channel0.size() && name.compare(name.size() - channel0.size(), channel0.size(), channel0) == 0)
      cases_.push_back(name.substr(0, name.size() - channel0.size()));
  }
  std::sort(cases_.begin(), cases_.end());
  if (cases_.empty()) fail_file(images_, fmt::format("no images named CASE_0000{} found", file_ending_));
  for (const auto& id : cases_) {
    for (int c = 1; c < info_.num_channels(); ++c) require_exists(image_path(id, c), "channel file of case " + id);
    if (fs::exists(labels_)) require_exists(label_path(id), "label of case " + id);
  }
}

fs::path NnunetRawDataset::image_path(const std::string& id, int channel) const {
  return images_ / fmt::format("{}_{:04d}{}", id, channel, file_ending_);
}

fs::path NnunetRawDataset::label_path(const std::string& id) const { return labels_ / (id + file_ending_); }

namespace {

bool same_geometry(const Geometry& a, const Geometry& b) {
  for (int i = 0; i < 3; ++i) {
    if (std::abs(a.spacing[i] - b.spacing[i]) > 1e-4 * std::max(1.0, std::abs(a.spacing[i]))) return false;
    if (std::abs(a.origin[i] - b.origin[i]) > 1e-3) return false;
  }
  return true;
}

std::string shape_string(const torch::Tensor& t) {
  std::string s;
  for (int i = 1; i < t.dim(); ++i) s += (s.empty() ? "" : "x") + std::to_string(t.size(t.dim() - i));
  return s;  // X x Y x Z, ITK's order
}

}  // namespace

Case NnunetRawDataset::load(std::size_t index) const {
  Case c;
  c.id = cases_.at(index);
  c.domain = info_.domain;
  std::vector<torch::Tensor> channels;
  for (int ch = 0; ch < info_.num_channels(); ++ch) {
    const fs::path p = image_path(c.id, ch);
    Volume v = read_image_volume(p);
    if (!torch::isfinite(v.voxels).all().item<bool>())
      fail_file(p, "image contains NaN or infinite values; fix or drop this case");
    if (ch == 0) {
      c.geometry = v.geometry;
    } else if (v.voxels.sizes().slice(1) != channels[0].sizes().slice(1)) {
      fail_file(p, "channel has a different size than channel 0");
    }
    channels.push_back(v.voxels);
  }
  c.image = torch::cat(channels, 0);
  if (fs::exists(labels_)) {
    const fs::path lp = label_path(c.id);
    Volume l = read_label_volume(lp);
    if (l.voxels.sizes().slice(1) != c.image.sizes().slice(1))
      fail_file(lp, fmt::format("label size {} differs from image size {}", shape_string(l.voxels), shape_string(c.image)));
    if (!same_geometry(l.geometry, c.geometry))
      fail_file(lp, fmt::format("label geometry (spacing {:.4g},{:.4g},{:.4g}) differs from the image's ({:.4g},{:.4g},{:.4g})",
                                l.geometry.spacing[0], l.geometry.spacing[1], l.geometry.spacing[2], c.geometry.spacing[0],
                                c.geometry.spacing[1], c.geometry.spacing[2]));
    const auto lo = l.voxels.min().item<int64_t>();
    const auto hi = l.voxels.max().item<int64_t>();
    if (lo < 0 || hi >= info_.num_classes())
      fail_file(lp, fmt::format("label values span {}..{} but dataset.json defines 0..{}", lo, hi, info_.num_classes() - 1));
    c.label = l.voxels[0];
  }
  return c;
}

std::string NnunetRawDataset::fingerprint() const {
  std::vector<fs::path> files{root_ / "dataset.json"};
  for (const auto& id : cases_) {
    for (int ch = 0; ch < info_.num_channels(); ++ch) files.push_back(image_path(id, ch));
    if (fs::exists(labels_)) files.push_back(label_path(id));
  }
  return fingerprint_files(files);
}

std::string NnunetRawDataset::location() const { return root_.string() + " (" + split_ + ")"; }

std::unique_ptr<Dataset> open_dataset(const std::string& folder, const std::string& split) {
  return std::make_unique<NnunetRawDataset>(folder, split);
}

}  // namespace mis

#include "data/nnunet_raw.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/fingerprint.h"
#include "core/json.h"
#include "core/strings.h"
#include "data/image_formats.h"
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

namespace {

// "a, b, c, d, e, ... (12 in all)": enough names to find the files, one line however many.
std::string name_some_cases(const std::vector<std::string>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size() && i < 5; ++i) s += (i ? ", " : "") + ids[i];
  if (ids.size() > 5) s += fmt::format(", ... ({} in all)", ids.size());
  return s;
}

// A file name with something before the ending (a case id).
bool name_ends_with(const std::string& name, const std::string& suffix) {
  return name.size() > suffix.size() && ends_with(name, suffix);
}

// An image file of another format than dataset.json's file_ending would be skipped unseen.
std::string other_image_ending(const std::string& name, const std::string& file_ending) {
  if (name_ends_with(name, file_ending)) return "";
  return image_file_ending(name);
}

// The files of a folder that a dataset reader looks at: regular, not hidden (macOS's ._ files).
std::vector<std::string> visible_files(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name[0] != '.' && entry.is_regular_file()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::vector<std::string> list_nnunet_cases(const fs::path& images, const fs::path& labels, const std::string& ending,
                                           int num_channels, bool single_file_channels) {
  // case id -> channels present
  std::map<std::string, std::set<int>> channels_of;
  for (const auto& name : visible_files(images)) {
    const fs::path file = images / name;
    if (const std::string other = other_image_ending(name, ending); !other.empty())
      fail_file(file, fmt::format("an image ending in {} where dataset.json's file_ending is {}; convert it or remove it",
                                  other, ending));
    if (!name_ends_with(name, ending)) continue;
    const std::string stem = name.substr(0, name.size() - ending.size());
    const bool named = stem.size() > 5 && stem[stem.size() - 5] == '_' &&
                       std::all_of(stem.end() - 4, stem.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!named)
      fail_file(file, fmt::format("not named CASE_XXXX{} (nnU-Net v2: one file per case and channel, XXXX the channel "
                                  "number); rename it or remove it",
                                  ending));
    const int channel = std::stoi(stem.substr(stem.size() - 4));
    if (channel >= num_channels)
      fail_file(file, fmt::format("channel {} of case {}, but dataset.json's channel_names declares {} channel(s); "
                                  "add the channel to channel_names or remove the file",
                                  channel, stem.substr(0, stem.size() - 5), num_channels));
    channels_of[stem.substr(0, stem.size() - 5)].insert(channel);
  }
  if (channels_of.empty()) fail_file(images, fmt::format("no images named CASE_0000{} found", ending));

  std::vector<std::string> incomplete, detail;
  for (const auto& [id, present] : channels_of) {
    if (static_cast<int>(present.size()) == num_channels) continue;
    if (single_file_channels && present.size() == 1 && present.count(0)) continue;
    std::string missing;
    for (int c = 0; c < num_channels; ++c)
      if (!present.count(c)) missing += (missing.empty() ? "" : ", ") + fmt::format("{}_{:04d}{}", id, c, ending);
    incomplete.push_back(id);
    detail.push_back(id + " (no " + missing + ")");
  }
  if (!incomplete.empty())
    fail_file(images, fmt::format("{} case(s) lack channel files: {}; dataset.json declares {} channel(s) for every "
                                  "case: restore the files or remove the case's other files",
                                  incomplete.size(), name_some_cases(detail), num_channels));

  std::vector<std::string> cases;
  for (const auto& [id, present] : channels_of) cases.push_back(id);
  if (!fs::exists(labels)) return cases;
  if (!fs::is_directory(labels)) fail_file(labels, "expected a folder of label maps, found a file");
  std::set<std::string> labelled;
  for (const auto& name : visible_files(labels)) {
    if (const std::string other = other_image_ending(name, ending); !other.empty())
      fail_file(labels / name, fmt::format("a label map ending in {} where dataset.json's file_ending is {}; convert it "
                                           "or remove it",
                                           other, ending));
    if (name_ends_with(name, ending)) labelled.insert(name.substr(0, name.size() - ending.size()));
  }
  std::vector<std::string> no_label, no_image;
  for (const auto& id : cases)
    if (!labelled.count(id)) no_label.push_back(id);
  for (const auto& id : labelled)
    if (!channels_of.count(id)) no_image.push_back(id);
  if (!no_image.empty())
    fail_file(labels, fmt::format("{} label map(s) without images in {}: {}; restore the images or remove the labels",
                                  no_image.size(), images.filename().string(), name_some_cases(no_image)));
  if (!no_label.empty())
    fail_file(labels, fmt::format("{} case(s) of {} have no label map here: {}; restore the labels or remove the cases",
                                  no_label.size(), images.filename().string(), name_some_cases(no_label)));
  return cases;
}

void check_num_training(const fs::path& json_path, const std::vector<std::string>& train_cases) {
  const json j = read_json_file(json_path);
  if (!j.contains("numTraining")) return;
  const json& n = j["numTraining"];
  if (!n.is_number_integer() || n.get<int64_t>() < 0)
    fail_file(json_path, "numTraining must be a non-negative integer (the number of training cases)");
  const auto expected = n.get<int64_t>();
  const auto found = static_cast<int64_t>(train_cases.size());
  if (expected != found)
    fail_file(json_path, fmt::format("numTraining is {} but imagesTr holds {} case(s) ({}); restore the missing cases "
                                     "or correct numTraining",
                                     expected, found, name_some_cases(train_cases)));
}

void check_against_manifest(const fs::path& root, const std::string& split, const std::vector<std::string>& cases,
                            const fs::path& images) {
  const json dataset_json = read_json_file(root / "dataset.json");
  if (!dataset_json.contains("manifest") || !dataset_json["manifest"].is_string()) return;
  const std::string relative = dataset_json["manifest"].get<std::string>();
  const fs::path manifest_path = root / relative;
  // A dataset folder copied without its manifest (e.g. one out-of-distribution sub-folder) still reads.
  if (!fs::is_regular_file(manifest_path)) return;
  const json manifest = read_json_file(manifest_path);
  if (!manifest.contains("cases") || !manifest["cases"].is_array()) return;
  // preprocess writes "manifest.json" in the top folder and "../manifest.json" in sub-folders.
  std::string folder;
  if (fs::path(relative).lexically_normal() != fs::path("manifest.json")) {
    fs::path r = fs::absolute(root).lexically_normal();
    if (r.filename().empty()) r = r.parent_path();
    folder = r.filename().string();
  }
  const auto in_split = [&](const std::string& s) { return split == "train" ? s == "train" || s == "val" : s == split; };
  std::set<std::string> listed;
  for (const auto& e : manifest["cases"]) {
    if (!e.is_object() || !e.contains("id") || !e["id"].is_string()) continue;
    if (!in_split(e.value("split", ""))) continue;
    bool here = e.value("folder", "") == folder;
    if (e.contains("also_in") && e["also_in"].is_array())
      for (const auto& f : e["also_in"]) here = here || (f.is_string() && f.get<std::string>() == folder);
    if (here) listed.insert(e["id"].get<std::string>());
  }
  // The folder's case count (copies of cases in extra folders are counted there, not named).
  std::optional<int64_t> count;
  if (manifest.contains("folders") && manifest["folders"].is_array())
    for (const auto& f : manifest["folders"]) {
      if (!f.is_object() || f.value("path", "") != (folder.empty() ? "." : folder)) continue;
      count = split == "train" ? f.value("train", int64_t{0}) + f.value("val", int64_t{0}) : f.value(split, int64_t{0});
    }
  if (!count || *count == static_cast<int64_t>(listed.size())) {
    std::vector<std::string> missing, unlisted;
    const std::set<std::string> found(cases.begin(), cases.end());
    for (const auto& id : listed)
      if (!found.count(id)) missing.push_back(id);
    for (const auto& id : found)
      if (!listed.count(id)) unlisted.push_back(id);
    if (!missing.empty())
      fail_file(images, fmt::format("{} case(s) listed in {} are missing here: {}; restore them (rerun preprocess)",
                                    missing.size(), manifest_path.lexically_normal().string(), name_some_cases(missing)));
    if (!unlisted.empty())
      fail_file(images, fmt::format("{} case(s) here are not listed in {}: {}; remove them or rerun preprocess",
                                    unlisted.size(), manifest_path.lexically_normal().string(), name_some_cases(unlisted)));
  } else if (*count != static_cast<int64_t>(cases.size())) {
    fail_file(images, fmt::format("holds {} case(s) but {} counts {} for this folder's {} split; restore the missing "
                                  "cases (rerun preprocess)",
                                  cases.size(), manifest_path.lexically_normal().string(), *count, split));
  }
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

  // Every mismatch between the files is an error naming the cases: a case left out here would
  // silently shrink training or evaluation.
  cases_ = list_nnunet_cases(images_, labels_, file_ending_, info_.num_channels());
  if (split == "train") check_num_training(json_path, cases_);
  check_against_manifest(root_, split, cases_, images_);
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

}  // namespace mis

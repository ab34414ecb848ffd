// Nothing lost, ever: the nnU-Net raw reader's listing of cases against the files (labels without
// images and the reverse, missing channel files, numTraining, manifest.json), 4-D images refused
// rather than cut to their first frame, and a slice size the model cannot take refused by name
// before LibTorch fails inside the model.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>

#include "core/json.h"
#include "data/nnunet_raw.h"
#include "data/volume_io.h"
#include "eval/evaluator.h"
#include "support.h"

using namespace mis;

namespace {

namespace fs = std::filesystem;

bool message_has(const std::string& message, const std::string& part) {
  const bool found = message.find(part) != std::string::npos;
  if (!found) MESSAGE("message: " << message);
  return found;
}

// An empty file: the listing looks at names only.
void touch_file(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p).put('\0');
}

// imagesTr/ID_XXXX.nii.gz for each channel and labelsTr/ID.nii.gz of each id, as empty files.
fs::path listing_layout(const fs::path& root, const std::vector<std::string>& ids, int channels) {
  for (const auto& id : ids) {
    for (int c = 0; c < channels; ++c) touch_file(root / "imagesTr" / (id + "_000" + std::to_string(c) + ".nii.gz"));
    touch_file(root / "labelsTr" / (id + ".nii.gz"));
  }
  return root;
}

std::string listing_error(const fs::path& root, int channels, bool single_file = false) {
  return error_of([&] { list_nnunet_cases(root / "imagesTr", root / "labelsTr", ".nii.gz", channels, single_file); },
                  "(no error)");
}

// A NIfTI-1 file written byte by byte (not through ITK): float32 voxels 0, 1, 2, ... over the
// dimensions `dims` (x, y, z[, t]), little-endian, data at offset 352.
void write_nifti1_by_hand(const fs::path& path, const std::vector<int16_t>& dims) {
  std::vector<unsigned char> header(352, 0);
  const auto put32 = [&](int offset, int32_t v) { std::memcpy(header.data() + offset, &v, 4); };
  const auto put16 = [&](int offset, int16_t v) { std::memcpy(header.data() + offset, &v, 2); };
  const auto putf = [&](int offset, float v) { std::memcpy(header.data() + offset, &v, 4); };
  put32(0, 348);
  put16(40, static_cast<int16_t>(dims.size()));
  int64_t voxels = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    put16(42 + 2 * static_cast<int>(i), dims[i]);
    voxels *= dims[i];
  }
  for (std::size_t i = dims.size(); i < 7; ++i) put16(42 + 2 * static_cast<int>(i), 1);
  put16(70, 16);  // datatype FLOAT32
  put16(72, 32);  // bitpix
  for (int i = 0; i < 8; ++i) putf(76 + 4 * i, 1.0f);  // pixdim
  putf(108, 352.0f);                                   // vox_offset
  putf(112, 1.0f);                                     // scl_slope
  std::memcpy(header.data() + 344, "n+1\0", 4);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(header.data()), static_cast<std::streamsize>(header.size()));
  for (int64_t i = 0; i < voxels; ++i) {
    const auto v = static_cast<float>(i);
    out.write(reinterpret_cast<const char*>(&v), 4);
  }
}

// A dataset of nothing, for check_inference_size's message.
struct NamedOnlyDataset : Dataset {
  DatasetInfo info_;
  const DatasetInfo& info() const override { return info_; }
  std::size_t size() const override { return 0; }
  std::string case_id(std::size_t) const override { return ""; }
  Case load(std::size_t) const override { return {}; }
  std::string fingerprint() const override { return ""; }
  std::string location() const override { return "/data/odd (test)"; }
};

}  // namespace

TEST_CASE("list_nnunet_cases: every case with all its channels and its label, sorted") {
  TempDir dir("listing_ok");
  listing_layout(dir.path, {"b", "a", "c"}, 2);
  touch_file(dir.path / "imagesTr" / "README.txt");  // not an image: ignored
  touch_file(dir.path / "imagesTr" / ".a_0000.nii.gz");  // hidden (macOS ._ files): ignored
  CHECK(list_nnunet_cases(dir.path / "imagesTr", dir.path / "labelsTr", ".nii.gz", 2) ==
        std::vector<std::string>{"a", "b", "c"});
  // Without labelsTr (a test split without references) the images alone decide.
  fs::remove_all(dir.path / "labelsTr");
  CHECK(list_nnunet_cases(dir.path / "imagesTr", dir.path / "labelsTr", ".nii.gz", 2).size() == 3);
}

TEST_CASE("list_nnunet_cases: a label without its image, and an image without its label, name the cases") {
  TempDir dir("listing_pairs");
  listing_layout(dir.path, {"a", "b", "c"}, 1);
  fs::remove(dir.path / "imagesTr" / "b_0000.nii.gz");
  CHECK(message_has(listing_error(dir.path, 1), "labelsTr: 1 label map(s) without images in imagesTr: b;"));
  touch_file(dir.path / "imagesTr" / "b_0000.nii.gz");
  fs::remove(dir.path / "labelsTr" / "c.nii.gz");
  fs::remove(dir.path / "labelsTr" / "a.nii.gz");
  CHECK(message_has(listing_error(dir.path, 1), "labelsTr: 2 case(s) of imagesTr have no label map here: a, c;"));
}

TEST_CASE("list_nnunet_cases: a missing channel file (channel 0 included) names the case and the file") {
  TempDir dir("listing_channels");
  listing_layout(dir.path, {"a", "b"}, 3);
  fs::remove(dir.path / "imagesTr" / "b_0000.nii.gz");
  fs::remove(dir.path / "imagesTr" / "b_0002.nii.gz");
  CHECK(message_has(listing_error(dir.path, 3),
                    "imagesTr: 1 case(s) lack channel files: b (no b_0000.nii.gz, b_0002.nii.gz); dataset.json declares "
                    "3 channel(s)"));
  // nnU-Net's exception for 2-D RGB: all channels in the channel-0 file, only where allowed.
  TempDir rgb("listing_rgb");
  listing_layout(rgb.path, {"a"}, 1);
  CHECK(message_has(listing_error(rgb.path, 3), "1 case(s) lack channel files: a (no a_0001.nii.gz, a_0002.nii.gz)"));
  CHECK(listing_error(rgb.path, 3, /*single_file=*/true) == "(no error)");
  // ... but not when channel 0 is the one missing.
  fs::rename(rgb.path / "imagesTr" / "a_0000.nii.gz", rgb.path / "imagesTr" / "a_0001.nii.gz");
  CHECK(message_has(listing_error(rgb.path, 3, true), "lack channel files: a (no a_0000.nii.gz, a_0002.nii.gz)"));
}

TEST_CASE("list_nnunet_cases: files that would be skipped unseen are errors naming them") {
  TempDir dir("listing_names");
  listing_layout(dir.path, {"a", "b"}, 1);
  touch_file(dir.path / "imagesTr" / "a_0001.nii.gz");
  CHECK(message_has(listing_error(dir.path, 1), "a_0001.nii.gz: channel 1 of case a, but dataset.json's channel_names "
                                                "declares 1 channel(s)"));
  fs::remove(dir.path / "imagesTr" / "a_0001.nii.gz");
  touch_file(dir.path / "imagesTr" / "c.nii.gz");
  CHECK(message_has(listing_error(dir.path, 1), "imagesTr/c.nii.gz: not named CASE_XXXX.nii.gz"));
  fs::remove(dir.path / "imagesTr" / "c.nii.gz");
  touch_file(dir.path / "imagesTr" / "c_0000.nii");
  CHECK(message_has(listing_error(dir.path, 1), "c_0000.nii: an image ending in .nii where dataset.json's file_ending is .nii.gz"));
  fs::remove(dir.path / "imagesTr" / "c_0000.nii");
  touch_file(dir.path / "labelsTr" / "c.png");
  CHECK(message_has(listing_error(dir.path, 1), "labelsTr/c.png: a label map ending in .png"));
}

TEST_CASE("check_num_training: numTraining must equal the training cases found") {
  TempDir dir("num_training");
  const fs::path json_path = dir.path / "dataset.json";
  write_json_atomic(json_path, {{"numTraining", 3}});
  CHECK(error_of([&] { check_num_training(json_path, {"a", "b", "c"}); }) == "");
  CHECK(message_has(error_of([&] { check_num_training(json_path, {"a", "b"}); }),
                    "dataset.json: numTraining is 3 but imagesTr holds 2 case(s) (a, b)"));
  write_json_atomic(json_path, {{"numTraining", "three"}});
  CHECK(message_has(error_of([&] { check_num_training(json_path, {"a"}); }), "numTraining must be a non-negative integer"));
  write_json_atomic(json_path, json::object());  // not every dataset.json has it
  CHECK(error_of([&] { check_num_training(json_path, {"a"}); }) == "");
}

TEST_CASE("check_against_manifest: the cases manifest.json lists for a folder and split are exactly those on disk") {
  TempDir dir("manifest");
  const fs::path root = dir.path / "out", sub = root / "C1";
  write_json_atomic(root / "dataset.json", {{"manifest", "manifest.json"}});
  write_json_atomic(sub / "dataset.json", {{"manifest", "../manifest.json"}});
  const auto entry = [](const std::string& id, const std::string& folder, const std::string& split) {
    return json{{"id", id}, {"folder", folder}, {"split", split}};
  };
  write_json_atomic(root / "manifest.json",
                    {{"cases", json::array({entry("a", "", "train"), entry("b", "", "val"), entry("t", "", "test"),
                                            entry("x", "C1", "test"), entry("y", "C1", "test")})},
                     {"folders", json::array({json{{"path", "."}, {"train", 1}, {"val", 1}, {"test", 1}},
                                              json{{"path", "C1"}, {"train", 0}, {"val", 0}, {"test", 2}}})}});
  const auto check = [&](const fs::path& r, const std::string& split, const std::vector<std::string>& cases) {
    return error_of([&] { check_against_manifest(r, split, cases, r / (split == "train" ? "imagesTr" : "imagesTs")); });
  };
  CHECK(check(root, "train", {"a", "b"}) == "");  // train + val
  CHECK(check(root, "test", {"t"}) == "");
  CHECK(check(sub, "test", {"x", "y"}) == "");  // ../manifest.json: the sub-folder's own cases
  CHECK(message_has(check(root, "train", {"a"}), "imagesTr: 1 case(s) listed in "));
  CHECK(message_has(check(root, "train", {"a"}), "manifest.json are missing here: b;"));
  CHECK(message_has(check(sub, "test", {"y"}), "C1/imagesTs: 1 case(s) listed in "));
  CHECK(message_has(check(sub, "test", {"y"}), "are missing here: x;"));
  CHECK(message_has(check(root, "test", {"s", "t"}), "imagesTs: 1 case(s) here are not listed in "));
  // Cases copied into an extra folder (GlaS testA) are counted there but not named: the count decides.
  write_json_atomic(root / "manifest.json",
                    {{"cases", json::array({entry("x", "", "test"), entry("y", "", "test")})},
                     {"folders", json::array({json{{"path", "C1"}, {"test", 2}}})}});
  CHECK(check(sub, "test", {"x", "y"}) == "");
  CHECK(message_has(check(sub, "test", {"y"}), "C1/imagesTs: holds 1 case(s) but "));
  CHECK(message_has(check(sub, "test", {"y"}), "manifest.json counts 2 for this folder's test split"));
  // A folder copied without its manifest still reads.
  fs::remove(root / "manifest.json");
  CHECK(check(sub, "test", {"y"}) == "");
}

TEST_CASE("open_dataset: a case whose image is gone is an error naming it, not a smaller dataset") {
  TempDir dir("open_missing");
  const fs::path root = dir.path / "ds";
  write_json_atomic(root / "dataset.json", {{"channel_names", {{"0", "MRI"}}},
                                            {"labels", {{"background", 0}, {"fg", 1}}},
                                            {"numTraining", 2},
                                            {"file_ending", ".nii.gz"}});
  for (const std::string id : {"a", "b"}) {
    write_image_volume(root / "imagesTr" / (id + "_0000.nii.gz"), torch::zeros({1, 4, 4}), Geometry{});
    write_label_volume(root / "labelsTr" / (id + ".nii.gz"), torch::zeros({1, 4, 4}, torch::kInt64), Geometry{});
  }
  CHECK(open_dataset(root.string(), "train")->size() == 2);
  fs::remove(root / "imagesTr" / "b_0000.nii.gz");
  CHECK(message_has(error_of([&] { open_dataset(root.string(), "train"); }),
                    "labelsTr: 1 label map(s) without images in imagesTr: b;"));
  fs::remove(root / "labelsTr" / "b.nii.gz");
  CHECK(message_has(error_of([&] { open_dataset(root.string(), "train"); }),
                    "dataset.json: numTraining is 2 but imagesTr holds 1 case(s) (a)"));
}

TEST_CASE("4-D images: refused with their shape, never cut to the first frame, one frame reads as 3-D") {
  TempDir dir("four_d");
  const fs::path two = dir.path / "two_frames.nii", one = dir.path / "one_frame.nii";
  write_nifti1_by_hand(two, {3, 2, 2, 2});
  write_nifti1_by_hand(one, {3, 2, 2, 1});
  for (const auto& read : std::vector<std::function<void()>>{[&] { read_image_volume(two); },
                                                              [&] { read_label_volume(two); }})
    CHECK(message_has(error_of(read), "two_frames.nii: a 4-D image (3x2x2x2) where one 3-D volume per file was expected"));
  const Volume v = read_image_volume(one);
  REQUIRE(v.voxels.sizes() == torch::IntArrayRef({1, 2, 2, 3}));  // [C, Z, Y, X]
  // Voxel (x, y, z) holds x + 3 y + 6 z, as written.
  CHECK(torch::equal(v.voxels, torch::arange(12, torch::kFloat32).reshape({1, 2, 2, 3})));
}

TEST_CASE("check_inference_size: native-size slices must be multiples of the model's divisor") {
  NamedOnlyDataset dataset;
  InferenceSettings s;
  s.size_divisor = 4;
  s.model_name = "unet-small";
  Case c;
  c.id = "odd_case";
  c.image = torch::zeros({1, 2, 30, 28});  // [C, Z, Y, X]: 28 wide, 30 high
  const std::string message = error_of([&] { check_inference_size(dataset, c, s); });
  CHECK(message_has(message, "/data/odd (test): case odd_case has slices of 28x30 (width x height), but model "
                             "unet-small was trained at the native slice size and needs sizes divisible by 4;"));
  CHECK(message_has(message, "--patch-size 32"));
  // predict_logits refuses it too (a UserError, not LibTorch's "Sizes of tensors must match").
  const ModelSpec spec{"unet-small", {{"base_width", 4}, {"depth", 2}}, 1, 3};
  auto model = make_model(spec);
  model->eval();
  CHECK(model->size_divisor() == 4);
  CHECK(message_has(error_of([&] { predict_logits(*model, c, s); }), "case odd_case has slices of 28x30"));
  // Resized to a patch size (checked when training), or a multiple of the divisor: no error.
  s.patch_size = 32;
  CHECK(error_of([&] { check_inference_size(dataset, c, s); }) == "");
  CHECK(predict_logits(*model, c, s).sizes() == torch::IntArrayRef({3, 2, 30, 28}));
  s.patch_size = 0;
  c.image = torch::zeros({1, 2, 32, 28});
  CHECK(error_of([&] { check_inference_size(dataset, c, s); }) == "");
}

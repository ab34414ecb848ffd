// `preprocess` fails with clear, file-first errors on broken inputs, never loses what was
// already written, and a rerun after a failure or kill continues where it stopped.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
#include "data/volume_io.h"
#include "preprocess/pipeline.h"
#include "preprocess/preprocess_config.h"
#include "preprocess/resumable_staging.h"
#include "support.h"

namespace {

namespace fs = std::filesystem;
using mis::Geometry;
using mis::PreprocessConfig;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A Synapse layout with the given case numbers; `label_value` fills every label.
fs::path synapse_layout(const fs::path& dir, const std::vector<std::string>& numbers, int64_t label_value = 1) {
  const fs::path raw = dir / "raw" / "Training";
  for (const auto& n : numbers) {
    mis::write_image_volume(raw / "img" / ("img" + n + ".nii.gz"), torch::zeros({2, 3, 3}), Geometry{});
    mis::write_label_volume(raw / "label" / ("label" + n + ".nii.gz"), torch::full({2, 3, 3}, label_value, torch::kInt64),
                            Geometry{});
  }
  return raw;
}

PreprocessConfig tiny_config(const std::string& dataset, const fs::path& input, const fs::path& output) {
  PreprocessConfig c;
  c.dataset = dataset;
  c.input = input.string();
  c.output = output.string();
  c.threads = 1;
  c.size = 8;
  return c;
}

void write_rgb(const fs::path& p, int w, int h) {
  fs::create_directories(p.parent_path());
  mis::write_image_2d(p, torch::full({3, h, w}, 120, torch::kUInt8));
}

void write_grey(const fs::path& p, int w, int h, int value) {
  fs::create_directories(p.parent_path());
  mis::write_image_2d(p, torch::full({1, h, w}, value, torch::kUInt8));
}

}  // namespace

TEST_CASE("preprocess errors: missing label or image, empty folders") {
  const fs::path dir = fresh_dir("missing");
  const fs::path raw = synapse_layout(dir, {"0001", "0002"});
  fs::remove(raw / "label" / "label0002.nii.gz");
  std::string e = error_of([&] { mis::run_preprocess(tiny_config("synapse", dir / "raw", dir / "out")); });
  CHECK(contains(e, "img0002.nii.gz: image without a label"));
  CHECK(contains(e, "label0002.nii.gz"));
  CHECK_FALSE(fs::exists(dir / "out"));

  fs::remove(raw / "img" / "img0002.nii.gz");
  mis::write_label_volume(raw / "label" / "label0009.nii.gz", torch::zeros({2, 3, 3}, torch::kInt64), Geometry{});
  e = error_of([&] { mis::run_preprocess(tiny_config("synapse", dir / "raw", dir / "out")); });
  CHECK(contains(e, "label0009.nii.gz: label without an image"));

  fs::create_directories(dir / "empty");
  e = error_of([&] { mis::run_preprocess(tiny_config("synapse", dir / "empty", dir / "out")); });
  CHECK(contains(e, "empty: no folder with img/ and label/"));
  e = error_of([&] { mis::run_preprocess(tiny_config("kvasir-seg", dir / "empty", dir / "out")); });
  CHECK(contains(e, "no folder with images/ and masks/"));
  e = error_of([&] { mis::run_preprocess(tiny_config("monuseg", dir / "empty", dir / "out")); });
  CHECK(contains(e, "no .tif images found"));
  e = error_of([&] { mis::run_preprocess(tiny_config("acdc", dir / "nowhere", dir / "out")); });
  CHECK(contains(e, "nowhere: does not exist"));
  fs::remove_all(dir);
}

TEST_CASE("preprocess errors: label values outside the map keep the previous output and finished cases") {
  const fs::path dir = fresh_dir("labels");
  const fs::path raw = synapse_layout(dir, {"0001", "0005"});
  mis::write_label_volume(raw / "label" / "label0005.nii.gz", torch::full({2, 3, 3}, 20, torch::kInt64), Geometry{});
  fs::create_directories(dir / "out");
  mis::mark_command_output(dir / "out", "preprocess");  // an earlier preprocess output, which it may replace
  std::ofstream(dir / "out" / "previous.txt") << "an earlier, complete output";
  const std::string e = error_of([&] { mis::run_preprocess(tiny_config("synapse", dir / "raw", dir / "out")); });
  CHECK(contains(e, "label0005.nii.gz: label values span 20..20, outside the 14 BTCV labels"));
  CHECK(contains(e, "1 of 2 cases are done and kept in"));
  CHECK(fs::exists(dir / "out" / "previous.txt"));
  CHECK(fs::exists(dir / "out.partial" / "imagesTs" / "case0001_0000.nii.gz"));

  // Fixed, the rerun reuses the finished case and replaces the old output.
  mis::write_label_volume(raw / "label" / "label0005.nii.gz", torch::full({2, 3, 3}, 8, torch::kInt64), Geometry{});
  const auto r = mis::run_preprocess(tiny_config("synapse", dir / "raw", dir / "out"));
  CHECK(r.cases == 2);
  CHECK(r.reused == 1);
  CHECK_FALSE(fs::exists(dir / "out" / "previous.txt"));
  CHECK_FALSE(fs::exists(dir / "out.partial"));
  CHECK_FALSE(fs::exists(dir / "out" / ".cases"));
  CHECK(fs::exists(dir / "out" / "labelsTr" / "case0005.nii.gz"));

  // Other settings change every case: nothing is reused, and stale files do not survive.
  PreprocessConfig other = tiny_config("synapse", dir / "raw", dir / "out");
  other.ct_window = {-100.0, 200.0};
  const auto r2 = mis::run_preprocess(other);
  CHECK(r2.reused == 0);
  fs::remove_all(dir);
}

TEST_CASE("preprocess errors: geometry mismatch, truncated files, mixed sizes") {
  const fs::path dir = fresh_dir("geometry");
  const fs::path raw = synapse_layout(dir, {"0001"});
  Geometry shifted;
  shifted.spacing = {1.0, 1.0, 2.5};
  mis::write_label_volume(raw / "label" / "label0001.nii.gz", torch::zeros({2, 3, 3}, torch::kInt64), shifted);
  std::string e = error_of([&] { mis::run_preprocess(tiny_config("synapse", dir / "raw", dir / "out")); });
  CHECK(contains(e, "label0001.nii.gz: geometry differs from its image's (spacing"));

  mis::write_label_volume(raw / "label" / "label0001.nii.gz", torch::zeros({2, 4, 3}, torch::kInt64), Geometry{});
  e = error_of([&] { mis::run_preprocess(tiny_config("synapse", dir / "raw", dir / "out")); });
  CHECK(contains(e, "label0001.nii.gz: mask size 3x4x2 differs from its image's 3x3x2"));

  // A download cut short: the gzip stream ends early.
  const fs::path image = raw / "img" / "img0001.nii.gz";
  mis::write_image_volume(image, torch::rand({8, 32, 32}), Geometry{});
  mis::write_label_volume(raw / "label" / "label0001.nii.gz", torch::zeros({8, 32, 32}, torch::kInt64), Geometry{});
  fs::resize_file(image, fs::file_size(image) / 2);
  e = error_of([&] { mis::run_preprocess(tiny_config("synapse", dir / "raw", dir / "out")); });
  CHECK(contains(e, "img0001.nii.gz: truncated"));
  // Uncompressed NIfTI: shorter than its header says.
  const fs::path plain = raw / "img" / "img0001.nii";
  fs::remove(image);
  mis::write_image_volume(plain, torch::rand({8, 32, 32}), Geometry{});
  fs::resize_file(plain, fs::file_size(plain) - 100);
  e = error_of([&] { mis::run_preprocess(tiny_config("synapse", dir / "raw", dir / "out")); });
  CHECK(contains(e, "img0001.nii: truncated: holds"));

  // nnU-Net: the channels of one case must share a grid.
  const fs::path nn = dir / "Dataset001_X";
  fs::create_directories(nn);
  std::ofstream(nn / "dataset.json") << R"({"channel_names": {"0": "T1", "1": "T2"}, "labels": {"background": 0, "x": 1},
    "numTraining": 1, "file_ending": ".nii.gz"})";
  mis::write_image_volume(nn / "imagesTr" / "a_0000.nii.gz", torch::zeros({2, 3, 3}), Geometry{});
  mis::write_image_volume(nn / "imagesTr" / "a_0001.nii.gz", torch::zeros({2, 3, 4}), Geometry{});
  mis::write_label_volume(nn / "labelsTr" / "a.nii.gz", torch::zeros({2, 3, 3}, torch::kInt64), Geometry{});
  e = error_of([&] { mis::run_preprocess(tiny_config("nnunet", nn, dir / "out2")); });
  CHECK(contains(e, "a_0001.nii.gz: size 4x3x2 differs from channel 0"));
  fs::remove(nn / "imagesTr" / "a_0001.nii.gz");
  e = error_of([&] { mis::run_preprocess(tiny_config("nnunet", nn, dir / "out2")); });
  CHECK(contains(e, "imagesTr: 1 case(s) lack channel files: a (no a_0001.nii.gz); dataset.json declares 2 channel(s)"));
  fs::remove_all(dir);
}

TEST_CASE("preprocess errors: 2-D masks of the wrong size or values, ACDC Info.cfg") {
  const fs::path dir = fresh_dir("masks");
  const fs::path kv = dir / "kv";
  write_rgb(kv / "images" / "a.jpg", 12, 10);
  write_grey(kv / "masks" / "a.jpg", 10, 10, 255);
  std::string e = error_of([&] { mis::run_preprocess(tiny_config("kvasir-seg", kv, dir / "out")); });
  CHECK(contains(e, "a.jpg: mask size 10x10x1 differs from its image's 12x10x1"));
  write_grey(kv / "masks" / "a.jpg", 12, 10, 255);
  write_rgb(kv / "images" / "b.jpg", 12, 10);
  e = error_of([&] { mis::run_preprocess(tiny_config("kvasir-seg", kv, dir / "out")); });
  CHECK(contains(e, "b.jpg: image without a mask"));
  fs::remove(kv / "images" / "b.jpg");
  // A cut-short JPEG (libjpeg would fill it with grey) and PNG.
  fs::resize_file(kv / "images" / "a.jpg", fs::file_size(kv / "images" / "a.jpg") - 20);
  e = error_of([&] { mis::run_preprocess(tiny_config("kvasir-seg", kv, dir / "out")); });
  CHECK(contains(e, "a.jpg: truncated"));
  write_grey(dir / "a.png", 12, 10, 255);
  fs::resize_file(dir / "a.png", fs::file_size(dir / "a.png") - 12);
  CHECK(contains(error_of([&] { mis::check_file_complete(dir / "a.png"); }), "a.png: truncated"));
  write_grey(dir / "b.png", 12, 10, 255);
  mis::check_file_complete(dir / "b.png");

  const fs::path isic = dir / "isic";
  write_rgb(isic / "ISIC-2017_Test_v2_Data" / "ISIC_0000001.jpg", 8, 8);
  write_grey(isic / "ISIC-2017_Test_v2_Part1_GroundTruth" / "ISIC_0000001_segmentation.png", 8, 8, 128);
  e = error_of([&] { mis::run_preprocess(tiny_config("isic2017", isic, dir / "out")); });
  CHECK(contains(e, "ISIC_0000001_segmentation.png: binary mask has values other than 0 and 255 (e.g. 128)"));

  const fs::path acdc = dir / "acdc" / "training" / "patient001";
  fs::create_directories(acdc);
  std::ofstream(acdc / "Info.cfg") << "ED: 1\nGroup: NOR\n";
  e = error_of([&] { mis::run_preprocess(tiny_config("acdc", dir / "acdc", dir / "out")); });
  CHECK(contains(e, "Info.cfg: no 'ES:' line"));
  std::ofstream(acdc / "Info.cfg") << "ED: 1\nES: 9\n";
  e = error_of([&] { mis::run_preprocess(tiny_config("acdc", dir / "acdc", dir / "out")); });
  CHECK(contains(e, "patient001_frame01.nii.gz: does not exist (the ED frame named in"));
  fs::remove_all(dir);
}

TEST_CASE("preprocess resume: an interrupted run's finished cases are reused") {
  const fs::path dir = fresh_dir("resume");
  const fs::path kv = dir / "kv";
  for (const char* name : {"a", "b", "c"}) {
    write_rgb(kv / "images" / (std::string(name) + ".jpg"), 12, 10);
    write_grey(kv / "masks" / (std::string(name) + ".jpg"), 12, 10, 255);
  }
  write_grey(kv / "masks" / "c.jpg", 11, 10, 255);  // the last case fails (one worker: a, b are done first)
  CHECK(contains(error_of([&] { mis::run_preprocess(tiny_config("kvasir-seg", kv, dir / "out")); }), "mask size"));
  CHECK(fs::is_directory(dir / "out.partial"));
  CHECK_FALSE(fs::exists(dir / "out"));
  write_grey(kv / "masks" / "c.jpg", 12, 10, 255);
  PreprocessConfig c = tiny_config("kvasir-seg", kv, dir / "out");
  c.threads = 3;
  const auto r = mis::run_preprocess(c);
  CHECK(r.cases == 3);
  CHECK(r.reused == 2);
  const auto manifest = mis::read_json_file(dir / "out" / "manifest.json");
  CHECK(manifest["cases"].size() == 3);
  fs::remove_all(dir);
}

TEST_CASE("preprocess: one run at a time per output, output never inside the input, config checks") {
  const fs::path dir = fresh_dir("lock");
  {
    mis::prep::ResumableStagingDir first(dir / "out");
    CHECK(contains(error_of([&] { mis::prep::ResumableStagingDir second(dir / "out"); }), "another preprocess run"));
  }
  mis::prep::ResumableStagingDir again(dir / "out");  // the lock was released
  CHECK(again.resumed());

  const fs::path raw = synapse_layout(dir, {"0001"});
  CHECK(contains(error_of([&] { mis::run_preprocess(tiny_config("synapse", dir / "raw", raw / "out")); }),
                 "lies inside the input folder"));

  using mis::json;
  CHECK(contains(error_of([] { mis::config_from_json<mis::PreprocessConfig>({{"dataset", "brats"}, {"input", "a"}, {"output", "b"}}, "cli"); }),
                 "unknown dataset 'brats'"));
  CHECK(contains(error_of([] {
                   mis::config_from_json<mis::PreprocessConfig>({{"dataset", "acdc"}, {"input", "a"}, {"output", "b"}, {"spacing", {1, 2}}},
                                                    "cli");
                 }),
                 "spacing must have three values"));
  CHECK(contains(error_of([] {
                   mis::config_from_json<mis::PreprocessConfig>({{"dataset", "acdc"}, {"input", "a"}, {"output", "b"}, {"sise", 3}}, "x.json");
                 }),
                 "sise"));
  const auto ok = mis::config_from_json<mis::PreprocessConfig>({{"dataset", "acdc"}, {"input", "a"}, {"output", "b"}}, "cli");
  CHECK(ok.size == 224);
  CHECK(mis::config_from_json<mis::PreprocessConfig>(mis::to_json(ok), "roundtrip").percentiles == ok.percentiles);
  fs::remove_all(dir);
}

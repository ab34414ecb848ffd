// End-to-end tests of `preprocess` on tiny files written in each dataset's published layout:
// the output must be an nnU-Net v2 raw dataset that open_dataset() reads, with intensities,
// orientation, label mapping and splits as the dataset's protocol says.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/files.h"
#include "core/json.h"
#include "data/dataset.h"
#include "data/volume_io.h"
#include "preprocess/pipeline.h"
#include "preprocess/plan.h"
#include "support.h"

namespace {

namespace fs = std::filesystem;
using mis::Geometry;
using mis::json;
using mis::PreprocessConfig;

void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

void write_rgb(const fs::path& p, int w, int h, int r, int g, int b) {
  fs::create_directories(p.parent_path());
  auto t = torch::empty({3, h, w}, torch::kUInt8);
  t[0].fill_(r);
  t[1].fill_(g);
  t[2].fill_(b);
  mis::write_image_2d(p, t);
}

// A grey 8-bit mask: `value` where x < split_x, 0 elsewhere.
void write_mask(const fs::path& p, int w, int h, int split_x, int value) {
  fs::create_directories(p.parent_path());
  auto t = torch::zeros({1, h, w}, torch::kUInt8);
  t.index_put_({0, torch::indexing::Slice(), torch::indexing::Slice(0, split_x)}, value);
  mis::write_image_2d(p, t);
}

PreprocessConfig config_for(const std::string& dataset, const fs::path& input, const fs::path& output) {
  PreprocessConfig c;
  c.dataset = dataset;
  c.input = input.string();
  c.output = output.string();
  c.threads = 2;
  return c;
}

std::vector<std::string> ids_of(const json& list) { return list.get<std::vector<std::string>>(); }

}  // namespace

TEST_CASE("preprocess synapse: 13-to-8 label map, TransUNet test cases, CT window, canonical orientation") {
  const fs::path dir = fresh_dir("synapse");
  const fs::path raw = dir / "raw" / "Abdomen" / "RawData" / "Training";
  const int64_t nx = 4, ny = 3, nz = 2;
  Geometry g;
  g.spacing = {0.8, 0.8, 3.0};
  g.origin = {100.0, 50.0, -20.0};
  g.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};  // stored as NIfTI usually is (x to the right, y anterior)
  auto hu = torch::empty({nz, ny, nx});
  auto btcv = torch::empty({nz, ny, nx}, torch::kInt64);
  for (int64_t z = 0; z < nz; ++z)
    for (int64_t y = 0; y < ny; ++y)
      for (int64_t x = 0; x < nx; ++x) {
        hu[z][y][x] = -125.0 + 100.0 * x + 10.0 * y + z;
        btcv[z][y][x] = (x + 4 * y + z) % 14;
      }
  hu[0][0][0] = -1000.0;  // air, clipped to 0
  for (const char* number : {"0001", "0002", "0005"}) {
    mis::write_image_volume(raw / "img" / (std::string("img") + number + ".nii.gz"), hu, g);
    mis::write_label_volume(raw / "label" / (std::string("label") + number + ".nii.gz"), btcv, g);
  }
  const fs::path out = dir / "out";
  const auto result = mis::run_preprocess(config_for("synapse", dir / "raw", out));
  CHECK(result.cases == 3);
  CHECK(fs::exists(out / "imagesTs" / "case0001_0000.nii.gz"));
  CHECK(fs::exists(out / "imagesTr" / "case0005_0000.nii.gz"));
  CHECK(fs::exists(out / "labelsTs" / "case0002.nii.gz"));
  CHECK_FALSE(fs::exists(out / "splits.json"));  // the TransUNet protocol has no validation split
  CHECK_FALSE(fs::exists(dir / "out.partial"));

  const json manifest = mis::read_json_file(out / "manifest.json");
  CHECK(ids_of(manifest["splits"]["test"]) == std::vector<std::string>{"case0001", "case0002"});
  CHECK(ids_of(manifest["splits"]["train"]) == std::vector<std::string>{"case0005"});
  CHECK(manifest["classes"].size() == 9);
  CHECK(manifest["label_map"]["8"] == "aorta");
  CHECK(manifest["label_map"]["1"] == "spleen");
  CHECK(manifest["notes"].size() == 1);  // 3 of 30 cases
  CHECK(manifest["source_fingerprint"].get<std::string>().size() == 16);
  const json ds = mis::read_json_file(out / "dataset.json");
  CHECK(ds["labels"]["stomach"] == 8);
  CHECK(ds["numTraining"] == 1);
  CHECK(ds["channel_names"]["0"] == "CT");

  const auto test = mis::open_dataset(out.string(), "test");
  REQUIRE(test->size() == 2);
  CHECK(test->info().num_classes() == 9);
  const mis::Case c = test->load(0);
  REQUIRE(c.image.sizes() == torch::IntArrayRef({1, nz, ny, nx}));
  for (int i = 0; i < 9; ++i) CHECK(c.geometry.direction[i] == doctest::Approx(i % 4 == 0 ? 1.0 : 0.0));
  CHECK(c.geometry.origin[0] == doctest::Approx(100.0 - 0.8 * 3));  // the old last column is the new first
  const std::vector<int64_t> lut{0, 7, 4, 3, 2, 0, 5, 8, 1, 0, 0, 6, 0, 0};
  for (int64_t z = 0; z < nz; ++z)
    for (int64_t y = 0; y < ny; ++y)
      for (int64_t x = 0; x < nx; ++x) {
        const int64_t sx = nx - 1 - x, sy = ny - 1 - y;  // flipped x and y
        const double raw_hu = hu[z][sy][sx].item<double>();
        const double expected = (std::clamp(raw_hu, -125.0, 275.0) + 125.0) / 400.0;
        CHECK(c.image[0][z][y][x].item<float>() == doctest::Approx(expected));
        CHECK(c.label[z][y][x].item<int64_t>() == lut[static_cast<std::size_t>((sx + 4 * sy + z) % 14)]);
      }
  fs::remove_all(dir);
}

TEST_CASE("preprocess acdc: ED/ES frames from Info.cfg, seeded split by patient, MRI percentile scaling") {
  const fs::path dir = fresh_dir("acdc");
  const fs::path training = dir / "raw" / "ACDC" / "database" / "training";
  std::vector<std::string> patients{"patient001", "patient002", "patient003"};
  Geometry g;
  g.spacing = {1.5, 1.5, 10.0};
  for (const auto& p : patients) {
    write_text(training / p / "Info.cfg", "ED: 1\nES: 12\nGroup: NOR\nHeight: 180.0\nNbFrame: 30\nWeight: 80.0\n");
    for (const char* frame : {"01", "12"}) {
      const std::string id = p + "_frame" + frame;
      auto image = torch::arange(32, torch::kFloat32).reshape({2, 4, 4}) * 7.0 + 3.0;
      auto label = torch::arange(32, torch::kInt64).reshape({2, 4, 4}) % 4;
      mis::write_image_volume(training / p / (id + ".nii.gz"), image, g);
      mis::write_label_volume(training / p / (id + "_gt.nii.gz"), label, g);
    }
    mis::write_image_volume(training / p / (p + "_4d.nii.gz"), torch::zeros({2, 4, 4}), g);  // not read
  }
  write_text(dir / "raw" / "ACDC" / "database" / "testing" / "patient101" / "Info.cfg", "ED: 1\nES: 5\n");
  PreprocessConfig c = config_for("acdc", dir / "raw", dir / "out");
  c.val_fraction = 0.34;  // 3 patients: 1 test (round 0.6), 1 val (round 1.02), 1 train
  c.seed = 11;
  const auto result = mis::run_preprocess(c);
  CHECK(result.cases == 6);
  CHECK(result.notes.size() == 2);  // testing/ ignored, 3 of 100 patients

  const json manifest = mis::read_json_file(dir / "out" / "manifest.json");
  const auto expected = mis::prep::seeded_split(patients, 11, 0.34, 0.2, 1);
  for (const auto& entry : manifest["cases"]) {
    const std::string patient = entry["info"]["patient"];
    const auto k = static_cast<std::size_t>(std::find(patients.begin(), patients.end(), patient) - patients.begin());
    CHECK(entry["split"] == expected[k]);
    CHECK(entry["channels"][0]["min"].get<double>() == doctest::Approx(0.0));
    CHECK(entry["channels"][0]["max"].get<double>() == doctest::Approx(1.0));
    CHECK(entry["label_voxels"].size() == 4);
  }
  const json splits = mis::read_json_file(dir / "out" / "splits.json");
  REQUIRE(splits.size() == 1);
  CHECK(splits[0]["train"].size() == 2);  // both frames of the training patient
  CHECK(splits[0]["val"].size() == 2);
  const auto train = mis::open_dataset((dir / "out").string(), "train");
  CHECK(train->size() == 4);  // train + val live in imagesTr
  CHECK(train->info().class_names == std::vector<std::string>{"background", "RV", "MYO", "LV"});
  const auto test = mis::open_dataset((dir / "out").string(), "test");
  CHECK(test->size() == 2);
  fs::remove_all(dir);
}

TEST_CASE("preprocess kvasir-seg: JPEG masks thresholded, RGB scaled to 0..1, resized to the training size") {
  const fs::path dir = fresh_dir("kvasir");
  const fs::path root = dir / "raw" / "kvasir-seg" / "Kvasir-SEG";
  for (const char* name : {"cju0qkwl35piu0993l0dewei2", "cju0qoxqj9q6s0835b43399p4", "cju0roawvklrq0799vmjorwfv"}) {
    write_rgb(root / "images" / (std::string(name) + ".jpg"), 24, 16, 200, 100, 50);
    write_mask(root / "masks" / (std::string(name) + ".jpg"), 24, 16, 12, 255);
  }
  write_text(root / "kavsir_bboxes.json", "{}");
  PreprocessConfig c = config_for("kvasir-seg", dir / "raw", dir / "out");
  c.size = 8;
  mis::run_preprocess(c);
  const json ds = mis::read_json_file(dir / "out" / "dataset.json");
  CHECK(ds["domain"] == "kvasir-seg");
  CHECK(ds["channel_names"].size() == 3);
  const auto train = mis::open_dataset((dir / "out").string(), "train");
  const auto test = mis::open_dataset((dir / "out").string(), "test");
  CHECK(train->size() == 2);
  CHECK(test->size() == 1);
  const mis::Case k = train->load(0);
  REQUIRE(k.image.sizes() == torch::IntArrayRef({3, 1, 8, 8}));
  CHECK(k.image[0].mean().item<double>() == doctest::Approx(200.0 / 255.0).epsilon(0.02));
  CHECK(k.image[2].mean().item<double>() == doctest::Approx(50.0 / 255.0).epsilon(0.05));
  // Left half foreground: columns 0..3 of 8.
  CHECK(k.label.index({0, torch::indexing::Slice(), torch::indexing::Slice(0, 4)}).min().item<int64_t>() == 1);
  CHECK(k.label.index({0, torch::indexing::Slice(), torch::indexing::Slice(4, 8)}).max().item<int64_t>() == 0);
  CHECK(k.geometry.spacing[0] == doctest::Approx(3.0));  // 24 pixels -> 8
  CHECK(k.geometry.spacing[1] == doctest::Approx(2.0));

  // Grey on request: one channel with ITK's luminance of the colour.
  c.color = "grey";
  c.output = (dir / "grey").string();
  mis::run_preprocess(c);
  const mis::Case gk = mis::open_dataset((dir / "grey").string(), "train")->load(0);
  REQUIRE(gk.image.size(0) == 1);
  CHECK(gk.image.mean().item<double>() == doctest::Approx((0.30 * 200 + 0.59 * 100 + 0.11 * 50) / 255.0).epsilon(0.03));
  fs::remove_all(dir);
}

TEST_CASE("preprocess polypgen: one test-only dataset per centre") {
  const fs::path dir = fresh_dir("polypgen");
  const fs::path root = dir / "raw" / "PolypGen2021_MultiCenterData_v3";
  write_rgb(root / "data_C1" / "images_C1" / "100H0050.jpg", 16, 16, 90, 40, 40);
  write_mask(root / "data_C1" / "masks_C1" / "100H0050_mask.jpg", 16, 16, 8, 255);
  write_rgb(root / "data_C3" / "images_C3" / "C3_EndoCV2021_00489_.jpg", 16, 16, 90, 40, 40);
  write_mask(root / "data_C3" / "masks_C3" / "C3_EndoCV2021_00489_mask.jpg", 16, 16, 8, 255);
  write_text(root / "data_C1" / "bbox_C1" / "100H0050_mask.txt", "polyp 1 2 3 4\n");
  PreprocessConfig c = config_for("polypgen", dir / "raw", dir / "out");
  c.size = 8;
  const auto result = mis::run_preprocess(c);
  CHECK(result.folders == std::vector<std::string>{"C1", "C3"});
  CHECK_FALSE(fs::exists(dir / "out" / "dataset.json"));  // the top folder is a collection
  const json ds = mis::read_json_file(dir / "out" / "C3" / "dataset.json");
  CHECK(ds["domain"] == "polypgen-C3");
  CHECK(ds["numTraining"] == 0);
  const auto c3 = mis::open_dataset((dir / "out" / "C3").string(), "test");
  REQUIRE(c3->size() == 1);
  CHECK(c3->case_id(0) == "C3_EndoCV2021_00489_");
  CHECK(c3->load(0).label.sum().item<int64_t>() == 32);  // left half of 8 x 8
  fs::remove_all(dir);
}

TEST_CASE("preprocess isic2018 and isic2017: official parts, PNG masks, superpixel files ignored") {
  const fs::path dir = fresh_dir("isic");
  const fs::path r18 = dir / "isic2018";
  for (const char* id : {"ISIC_0000000", "ISIC_0000001", "ISIC_0000002"}) {
    write_rgb(r18 / "ISIC2018_Task1-2_Training_Input" / (std::string(id) + ".jpg"), 12, 10, 180, 120, 100);
    write_mask(r18 / "ISIC2018_Task1_Training_GroundTruth" / (std::string(id) + "_segmentation.png"), 12, 10, 6, 255);
  }
  write_text(r18 / "ISIC2018_Task1-2_Training_Input" / "LICENSE.txt", "CC-BY-NC");
  write_rgb(r18 / "ISIC2018_Task1-2_Validation_Input" / "ISIC_0012255.jpg", 12, 10, 180, 120, 100);
  write_mask(r18 / "ISIC2018_Task1_Validation_GroundTruth" / "ISIC_0012255_segmentation.png", 12, 10, 6, 255);
  PreprocessConfig c = config_for("isic2018", r18, dir / "out18");
  c.size = 6;
  mis::run_preprocess(c);
  const json splits = mis::read_json_file(dir / "out18" / "splits.json");
  CHECK(ids_of(splits[0]["val"]) == std::vector<std::string>{"ISIC_0012255"});
  CHECK(splits[0]["train"].size() == 2);
  const auto test = mis::open_dataset((dir / "out18").string(), "test");
  REQUIRE(test->size() == 1);  // drawn from training: round(0.2 * 3)
  CHECK(test->load(0).label.sum().item<int64_t>() == 18);  // left half of 6 x 6

  const fs::path r17 = dir / "isic2017";
  write_rgb(r17 / "ISIC-2017_Test_v2_Data" / "ISIC_0012086.jpg", 12, 10, 180, 120, 100);
  write_mask(r17 / "ISIC-2017_Test_v2_Data" / "ISIC_0012086_superpixels.png", 12, 10, 3, 7);
  write_mask(r17 / "ISIC-2017_Test_v2_Part1_GroundTruth" / "ISIC_0012086_segmentation.png", 12, 10, 6, 255);
  c = config_for("isic2017", r17, dir / "out17");
  c.size = 6;
  const auto result = mis::run_preprocess(c);
  CHECK(result.cases == 1);
  const json ds = mis::read_json_file(dir / "out17" / "dataset.json");
  CHECK(ds["domain"] == "isic2017");
  CHECK(ds["numTraining"] == 0);
  CHECK(mis::open_dataset((dir / "out17").string(), "test")->size() == 1);
  fs::remove_all(dir);
}

TEST_CASE("preprocess glas: instance annotations binarised, testA and testB also as their own folders") {
  const fs::path dir = fresh_dir("glas");
  const fs::path root = dir / "raw" / "Warwick_QU_Dataset_(Released_2016_07_08)";
  for (const char* stem : {"train_1", "train_2", "testA_1", "testB_1"}) {
    write_rgb(root / (std::string(stem) + ".bmp"), 10, 8, 200, 150, 200);
    auto anno = torch::zeros({1, 8, 10}, torch::kUInt8);
    anno.index_put_({0, torch::indexing::Slice(0, 4), torch::indexing::Slice(0, 5)}, 1);  // gland 1: 20 px
    anno.index_put_({0, torch::indexing::Slice(4, 8), torch::indexing::Slice(5, 10)}, 2);  // gland 2: 20 px
    mis::write_image_2d(root / (std::string(stem) + "_anno.bmp"), anno);
  }
  write_text(root / "Grade.csv", "name,patient ID,grade (GlaS),grade (Sirinukunwattana et al. 2015)\n");
  PreprocessConfig c = config_for("glas", dir / "raw", dir / "out");
  c.size = 0;  // native: exact pixel counts
  const auto result = mis::run_preprocess(c);
  CHECK(result.folders == std::vector<std::string>{"", "testA", "testB"});
  const auto test = mis::open_dataset((dir / "out").string(), "test");
  CHECK(test->size() == 2);
  const mis::Case t = test->load(0);
  CHECK(t.label.max().item<int64_t>() == 1);
  CHECK(t.label.sum().item<int64_t>() == 40);
  CHECK(mis::open_dataset((dir / "out" / "testA").string(), "test")->size() == 1);
  CHECK(mis::open_dataset((dir / "out" / "testB").string(), "test")->case_id(0) == "testB_1");
  CHECK(mis::open_dataset((dir / "out").string(), "train")->size() == 2);
  fs::remove_all(dir);
}

TEST_CASE("preprocess monuseg: XML outlines rasterised at the image's resolution") {
  const fs::path dir = fresh_dir("monuseg");
  const fs::path train = dir / "raw" / "MoNuSeg 2018 Training Data" / "MoNuSeg 2018 Training Data";
  const fs::path test = dir / "raw" / "MoNuSegTestData" / "MoNuSegTestData";
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<Annotations MicronsPerPixel="0.252"><Annotation Id="1"><Regions>
<RegionAttributeHeaders><AttributeHeader Id="9999" Name="Region"/></RegionAttributeHeaders>
<Region Id="1" Type="0"><Attributes/><Vertices>
<Vertex X="2" Y="3" Z="0"/><Vertex X="5" Y="3" Z="0"/><Vertex X="5" Y="5" Z="0"/><Vertex X="2" Y="5" Z="0"/>
</Vertices></Region>
<Region Id="2" Type="0"><Attributes/><Vertices><Vertex X="8" Y="8"/><Vertex X="9" Y="9"/></Vertices></Region>
</Regions></Annotation></Annotations>
)";
  write_rgb(train / "Tissue Images" / "TCGA-18-5592-01Z-00-DX1.tif", 12, 10, 180, 90, 160);
  write_text(train / "Annotations" / "TCGA-18-5592-01Z-00-DX1.xml", xml);
  write_rgb(test / "TCGA-2Z-A9J9-01A-01-TS1.tif", 12, 10, 180, 90, 160);
  write_text(test / "TCGA-2Z-A9J9-01A-01-TS1.xml", xml);
  PreprocessConfig c = config_for("monuseg", dir / "raw", dir / "out");
  c.size = 0;
  mis::run_preprocess(c);
  const json manifest = mis::read_json_file(dir / "out" / "manifest.json");
  CHECK(ids_of(manifest["splits"]["test"]) == std::vector<std::string>{"TCGA-2Z-A9J9-01A-01-TS1"});
  CHECK(manifest["cases"][0]["polygons"]["regions"] == 2);
  CHECK(manifest["cases"][0]["polygons"]["skipped_under_3_vertices"] == 1);
  const mis::Case t = mis::open_dataset((dir / "out").string(), "test")->load(0);
  REQUIRE(t.label.sizes() == torch::IntArrayRef({1, 10, 12}));
  // Columns 2..4, rows 3..4 (polygon_raster.h's convention).
  auto expected = torch::zeros({1, 10, 12}, torch::kInt64);
  expected.index_put_({0, torch::indexing::Slice(3, 5), torch::indexing::Slice(2, 5)}, 1);
  CHECK(torch::equal(t.label, expected));
  fs::remove_all(dir);
}

TEST_CASE("preprocess nnunet: 2-D RGB in one file, test images without labels") {
  const fs::path dir = fresh_dir("nnunet2d");
  const fs::path root = dir / "Dataset900_Toy";
  write_text(root / "dataset.json", R"({"channel_names": {"0": "R", "1": "G", "2": "B"},
    "labels": {"background": 0, "a": 1, "b": 2}, "numTraining": 2, "file_ending": ".png", "name": "Toy"})");
  for (const char* id : {"t1", "t2"}) {
    write_rgb(root / "imagesTr" / (std::string(id) + "_0000.png"), 10, 10, 255, 0, 51);
    auto label = torch::zeros({1, 10, 10}, torch::kUInt8);
    label.index_put_({0, torch::indexing::Slice(0, 5)}, 1);
    label.index_put_({0, torch::indexing::Slice(5, 10), torch::indexing::Slice(5, 10)}, 2);
    mis::write_image_2d(root / "labelsTr" / (std::string(id) + ".png"), label);
  }
  write_rgb(root / "imagesTs" / "s1_0000.png", 10, 10, 0, 255, 0);
  PreprocessConfig c = config_for("nnunet", root, dir / "out");
  c.size = 10;
  c.val_fraction = 0.5;
  mis::run_preprocess(c);
  const auto train = mis::open_dataset((dir / "out").string(), "train");
  REQUIRE(train->size() == 2);
  const mis::Case k = train->load(0);
  REQUIRE(k.image.sizes() == torch::IntArrayRef({3, 1, 10, 10}));
  CHECK(k.image[0].min().item<float>() == doctest::Approx(1.0));
  CHECK(k.image[2].max().item<float>() == doctest::Approx(0.2));
  CHECK(k.label.sum().item<int64_t>() == 50 + 2 * 25);
  CHECK_FALSE(fs::exists(dir / "out" / "labelsTs"));
  const auto test = mis::open_dataset((dir / "out").string(), "test");
  CHECK_FALSE(test->load(0).label.defined());
  CHECK(fs::exists(dir / "out" / "splits.json"));
  fs::remove_all(dir);
}

TEST_CASE("preprocess nnunet: 3-D, two channels, CT windowed and MRI z-scored, shipped splits") {
  const fs::path dir = fresh_dir("nnunet3d");
  const fs::path root = dir / "Dataset901_Vol";
  write_text(root / "dataset.json", R"({"channel_names": {"0": "CT", "1": "T2"},
    "labels": {"background": 0, "organ": 1}, "numTraining": 2, "file_ending": ".nii.gz"})");
  write_text(root / "splits_final.json", R"([{"train": ["v1"], "val": ["v2"]}])");
  Geometry g;
  g.spacing = {1.0, 1.0, 2.0};
  for (const char* id : {"v1", "v2"}) {
    mis::write_image_volume(root / "imagesTr" / (std::string(id) + "_0000.nii.gz"),
                            torch::full({2, 3, 3}, 75.0f), g);  // 75 HU -> 0.5
    mis::write_image_volume(root / "imagesTr" / (std::string(id) + "_0001.nii.gz"),
                            torch::arange(18, torch::kFloat32).reshape({2, 3, 3}), g);
    mis::write_label_volume(root / "labelsTr" / (std::string(id) + ".nii.gz"), torch::ones({2, 3, 3}, torch::kInt64), g);
  }
  PreprocessConfig c = config_for("nnunet", root, dir / "out");
  c.percentiles = {0.0, 100.0};
  mis::run_preprocess(c);
  const json splits = mis::read_json_file(dir / "out" / "splits.json");
  CHECK(ids_of(splits[0]["val"]) == std::vector<std::string>{"v2"});
  const mis::Case k = mis::open_dataset((dir / "out").string(), "train")->load(0);
  REQUIRE(k.image.size(0) == 2);
  CHECK(k.image[0].min().item<float>() == doctest::Approx(0.5));
  CHECK(k.image[1].mean().item<double>() == doctest::Approx(0.0).epsilon(1e-5));
  CHECK(k.image[1].std(false).item<double>() == doctest::Approx(1.0).epsilon(1e-4));
  const json manifest = mis::read_json_file(dir / "out" / "manifest.json");
  CHECK(manifest["cases"][0]["channels"][0]["mode"] == "ct-window");
  CHECK(manifest["cases"][0]["channels"][1]["mode"] == "percentile-zscore");
  fs::remove_all(dir);
}

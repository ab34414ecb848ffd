// `predict` on raw scans (needs ITK): label maps come back in each input's own geometry, and
// equal what `eval` predicts on the preprocessed data where the grids coincide. Checked against
// independent facts: the header written for the input, a flip done by hand (LPS vs RAS storage
// of the same voxels), an oblique header that changes no voxel, and `score` against the raw
// reference labels.
#include <doctest/doctest.h>

#include "core/files.h"
#include "data/volume_io.h"
#include "eval/eval_config.h"
#include "eval/evaluator.h"
#include "eval/predict.h"
#include "eval/score.h"
#include "preprocess/pipeline.h"
#include "support.h"
#include "tiny_runs.h"
#include "train/trainer.h"

using namespace mis;

namespace {

constexpr int64_t kX = 16, kY = 16, kZ = 4;

Geometry raw_geometry() {
  Geometry g;
  g.spacing = {1.0, 1.0, 2.0};
  g.origin = {-7.0, 3.0, 10.0};
  return g;  // identity direction: RAI storage, which preprocess's reorientation leaves alone
}

// A bright box of random position and size in noise; the label is the box.
std::pair<torch::Tensor, torch::Tensor> box_case(int64_t seed) {
  torch::manual_seed(static_cast<uint64_t>(seed));
  auto image = torch::randn({kZ, kY, kX}) * 20.0 + 100.0;
  auto label = torch::zeros({kZ, kY, kX}, torch::kInt64);
  const auto r = torch::randint(0, 6, {4});
  const int64_t x0 = 2 + r[0].item<int64_t>(), y0 = 2 + r[1].item<int64_t>();
  const int64_t w = 4 + r[2].item<int64_t>() / 2, h = 4 + r[3].item<int64_t>() / 2;
  using torch::indexing::Slice;
  image.index_put_({Slice(), Slice(y0, y0 + h), Slice(x0, x0 + w)}, image.index({Slice(), Slice(y0, y0 + h), Slice(x0, x0 + w)}) + 150.0);
  label.index_put_({Slice(), Slice(y0, y0 + h), Slice(x0, x0 + w)}, 1);
  return {image, label};
}

// An nnU-Net v2 raw dataset: 4 training cases, 2 test cases with labelsTs.
fs::path write_raw_dataset(const fs::path& root) {
  write_json_atomic(root / "dataset.json", {{"channel_names", {{"0", "MRI"}}},
                                            {"labels", {{"background", 0}, {"box", 1}}},
                                            {"numTraining", 4},
                                            {"file_ending", ".nii.gz"}});
  for (int i = 0; i < 6; ++i) {
    const bool test = i >= 4;
    const auto [image, label] = box_case(100 + i);
    const std::string id = fmt::format("case{}", i);
    write_image_volume(root / (test ? "imagesTs" : "imagesTr") / (id + "_0000.nii.gz"), image, raw_geometry());
    write_label_volume(root / (test ? "labelsTs" : "labelsTr") / (id + ".nii.gz"), label, raw_geometry());
  }
  return root;
}

// A tiny UNet trained long enough on the box data to find the box.
void train_box_model(const fs::path& data, const fs::path& run) {
  TrainConfig t = tiny_train_config(data, run);
  t.iterations = 40;
  t.batch_size = 4;
  t.log_every = 1000;
  t.seed = 3;
  t.augment.enabled = false;
  train(t, /*resume=*/false);
}

// preprocess (nnunet layout; `spacing` empty keeps the grid) and a tiny UNet trained on it.
fs::path preprocess_and_train(const fs::path& raw, const fs::path& work, const std::vector<double>& spacing) {
  PreprocessConfig p;
  p.dataset = "nnunet";
  p.input = raw.string();
  p.output = (work / "prep").string();
  p.spacing = spacing;
  p.threads = 1;
  run_preprocess(p);
  train_box_model(p.output, work / "run");
  return checkpoint_path(work / "run");
}

PredictConfig predict_config(const fs::path& checkpoint, const fs::path& input, const fs::path& output) {
  PredictConfig c;
  c.checkpoint = checkpoint.string();
  c.input = input.string();
  c.output = output.string();
  c.threads = 1;
  return c;
}

// Per-case DSC of the "box" class in an eval or score result.
std::map<std::string, double> case_dsc(const json& doc) {
  std::map<std::string, double> out;
  for (const auto& c : doc.at("evaluations").at(0).at("cases"))
    out[c.at("id").get<std::string>()] = c.at("metrics").at("box").at("dsc").get<double>();
  return out;
}

void check_same_header(const Geometry& a, const Geometry& b) {
  for (int i = 0; i < 3; ++i) {
    CHECK(a.spacing[i] == doctest::Approx(b.spacing[i]).epsilon(1e-6));
    CHECK(a.origin[i] == doctest::Approx(b.origin[i]).epsilon(1e-6));
  }
  for (int i = 0; i < 9; ++i) CHECK(a.direction[i] == doctest::Approx(b.direction[i]).epsilon(1e-6));
}

}  // namespace

TEST_CASE("predict: inputs are grouped by nnU-Net's channel suffix below the model's channel count, gaps and clashes are errors") {
  TempDir dir("predict_inputs");
  for (const char* name : {"a_0000.nii.gz", "a_0001.nii.gz", "b.png", "c_0000.nrrd", "notes.txt"})
    write_text_atomic(dir.path / name, "x");
  const auto inputs = list_predict_inputs(dir.path, 2);
  REQUIRE(inputs.size() == 3);
  CHECK(inputs[0].id == "a");
  CHECK(inputs[0].files.size() == 2);
  CHECK(inputs[0].files[1].filename() == "a_0001.nii.gz");
  CHECK(inputs[0].output_name == "a.nii.gz");
  CHECK(inputs[1].output_name == "b.png");  // 2-D image formats come back as PNG
  CHECK(inputs[2].output_name == "c.nii.gz");
  CHECK(list_predict_inputs(dir.path / "a_0001.nii.gz", 2).at(0).id == "a");
  // For a one-channel model only _0000 names a channel: amos_0001.nii.gz is case amos_0001.
  CHECK(list_predict_inputs(dir.path / "a_0001.nii.gz", 1).at(0).id == "a_0001");
  std::vector<std::string> ids;
  for (const auto& in : list_predict_inputs(dir.path, 1)) ids.push_back(in.id);
  CHECK(ids == std::vector<std::string>{"a", "a_0001", "b", "c"});

  write_text_atomic(dir.path / "d_0001.nii.gz", "x");
  CHECK(error_of([&] { list_predict_inputs(dir.path, 2); }).find("case d has no channel 0000") != std::string::npos);
  fs::remove(dir.path / "d_0001.nii.gz");
  write_text_atomic(dir.path / "a_0000.nii", "x");
  CHECK(error_of([&] { list_predict_inputs(dir.path, 2); }).find("are both channel 0000 of case a") != std::string::npos);
  fs::remove(dir.path / "a_0000.nii");
  write_text_atomic(dir.path / "b.nii.gz", "x");
  write_text_atomic(dir.path / "b.jpg", "x");
  CHECK(error_of([&] { list_predict_inputs(dir.path, 2); }).find("would both be predicted into b.png") != std::string::npos);
  CHECK(error_of([&] { list_predict_inputs(dir.path / "notes.txt", 2); }).find("is not an image") != std::string::npos);
  CHECK(error_of([&] { list_predict_inputs(dir.path / "missing", 2); }).find("does not exist") != std::string::npos);
}

TEST_CASE("predict: raw scans come back in their own geometry and agree with eval where the grids coincide") {
  TempDir work("predict_raw");
  const fs::path raw = write_raw_dataset(work.path / "raw");
  const fs::path checkpoint = preprocess_and_train(raw, work.path, {});

  // eval on the preprocessed test split; predict on the raw test images, scored against the raw labels.
  EvalConfig e;
  e.checkpoint = checkpoint.string();
  e.data = (work.path / "prep").string();
  e.output = (work.path / "eval.json").string();
  e.hd95 = "off";
  e.threads = 1;
  const json evaluated = run_eval(e);
  const json summary = run_predict(predict_config(checkpoint, raw, work.path / "pred"));  // a dataset folder: its imagesTs
  CHECK(summary.at("complete").get<bool>());
  CHECK(summary.at("cases").size() == 2);
  ScoreConfig s;
  s.pred = (work.path / "pred").string();
  s.ref = (raw / "labelsTs").string();
  s.labels = (raw / "dataset.json").string();
  s.output = (work.path / "score.json").string();
  s.hd95 = "off";
  const auto by_eval = case_dsc(evaluated), by_predict = case_dsc(run_score(s));
  REQUIRE(by_eval.size() == 2);
  for (const auto& [id, dsc] : by_eval) CHECK(by_predict.at(id) == dsc);
  CHECK(by_eval.begin()->second > 0.5);  // the model found the box: the comparisons below are not of empty maps

  const fs::path image = raw / "imagesTs" / "case4_0000.nii.gz";
  const Volume predicted = read_label_volume(work.path / "pred" / "case4.nii.gz");
  check_same_header(predicted.geometry, raw_geometry());

  SUBCASE("the same voxels stored in LPS order (x and y reversed) give the reversed labels and the LPS header") {
    Volume v = read_image_volume(image);
    Geometry lps = v.geometry;
    lps.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
    lps.origin[0] += static_cast<double>(kX - 1) * lps.spacing[0];  // voxel 0 is the old last voxel
    lps.origin[1] += static_cast<double>(kY - 1) * lps.spacing[1];
    write_image_volume(work.path / "lps" / "case4_0000.nii.gz", v.voxels[0].flip({1, 2}), lps);
    run_predict(predict_config(checkpoint, work.path / "lps", work.path / "pred_lps"));
    const Volume out = read_label_volume(work.path / "pred_lps" / "case4.nii.gz");
    check_same_header(out.geometry, lps);
    CHECK(torch::equal(out.voxels, predicted.voxels.flip({2, 3})));
  }
  SUBCASE("an oblique header with anisotropic spacing comes back exactly; its voxels are predicted as stored") {
    Volume v = read_image_volume(image);
    Geometry oblique;
    const double a = 20.0 * M_PI / 180.0;  // 20 degrees about z: still closest to RAI, so no voxel moves
    oblique.direction = {std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1};
    oblique.spacing = {0.7, 1.3, 2.0};
    oblique.origin = {12.5, -4.25, 80.0};
    write_image_volume(work.path / "oblique" / "scan.nii.gz", v.voxels[0], oblique);
    run_predict(predict_config(checkpoint, work.path / "oblique" / "scan.nii.gz", work.path / "pred_oblique"));
    const Volume out = read_label_volume(work.path / "pred_oblique" / "scan.nii.gz");
    check_same_header(out.geometry, oblique);
    CHECK(torch::equal(out.voxels, predicted.voxels));
  }
  SUBCASE("a finished folder is reused; other settings or a user's folder are refused, not overwritten") {
    const auto stamp = fs::last_write_time(work.path / "pred" / "case4.nii.gz");
    const json again = run_predict(predict_config(checkpoint, raw, work.path / "pred"));
    CHECK(again.at("reused").get<int64_t>() == 2);
    CHECK(fs::last_write_time(work.path / "pred" / "case4.nii.gz") == stamp);
    PredictConfig tta = predict_config(checkpoint, raw, work.path / "pred");
    tta.tta = true;
    CHECK(error_of([&] { run_predict(tta); }).find("another checkpoint or other settings") != std::string::npos);
    // Other images into the same folder are not a resume either.
    CHECK(error_of([&] { run_predict(predict_config(checkpoint, raw / "imagesTr", work.path / "pred")); })
              .find("another checkpoint or other settings") != std::string::npos);
    // Images preprocess already prepared would be prepared twice: refused, naming the way out.
    CHECK(error_of([&] { run_predict(predict_config(checkpoint, work.path / "prep", work.path / "pred_prep")); })
              .find("already prepared") != std::string::npos);
    write_text_atomic(work.path / "mine" / "notes.txt", "keep me");
    CHECK(error_of([&] { run_predict(predict_config(checkpoint, raw, work.path / "mine")); }) != "");
    CHECK(read_text_file(work.path / "mine" / "notes.txt") == "keep me");
  }
  SUBCASE("an image with the wrong number of channels is refused, naming the file") {
    // An RGB image for a one-channel volume model.
    write_image_2d(work.path / "rgb" / "x.png", torch::zeros({3, kY, kX}, torch::kUInt8));
    const std::string message =
        error_of([&] { run_predict(predict_config(checkpoint, work.path / "rgb", work.path / "pred_rgb")); });
    CHECK(message.find("x.png") != std::string::npos);
    CHECK(message.find("channel") != std::string::npos);
    // Numbered files beyond the model's one channel are cases of their own, not a second channel.
    Volume v = read_image_volume(image);
    write_image_volume(work.path / "two" / "x_0000.nii.gz", v.voxels[0], v.geometry);
    write_image_volume(work.path / "two" / "x_0001.nii.gz", v.voxels[0], v.geometry);
    const json two = run_predict(predict_config(checkpoint, work.path / "two", work.path / "pred_two"));
    CHECK(two.at("cases").size() == 2);
    CHECK(torch::equal(read_label_volume(work.path / "pred_two" / "x.nii.gz").voxels,
                       read_label_volume(work.path / "pred_two" / "x_0001.nii.gz").voxels));
  }
  SUBCASE("mirroring TTA averages the logits of the four flips: a different, valid prediction of the same grid") {
    PredictConfig tta = predict_config(checkpoint, image, work.path / "pred_tta");
    tta.tta = true;
    run_predict(tta);
    const Volume out = read_label_volume(work.path / "pred_tta" / "case4.nii.gz");
    CHECK(out.voxels.sizes() == predicted.voxels.sizes());
    check_same_header(out.geometry, raw_geometry());
  }
}

TEST_CASE("predict: where preprocess resampled, labels are resampled back onto the raw grid") {
  TempDir work("predict_resampled");
  const fs::path raw = write_raw_dataset(work.path / "raw");
  const fs::path checkpoint = preprocess_and_train(raw, work.path, {0.0, 0.0, 1.0});  // z: 2 mm -> 1 mm, 4 -> 8 slices
  EvalConfig e;
  e.checkpoint = checkpoint.string();
  e.data = (work.path / "prep").string();
  e.output = (work.path / "eval.json").string();
  e.hd95 = "off";
  e.threads = 1;
  const auto by_eval = case_dsc(run_eval(e));
  PredictConfig p = predict_config(checkpoint, raw / "imagesTs", work.path / "pred");
  p.save_probabilities = true;
  const json summary = run_predict(p);
  CHECK(summary.at("cases").at(0).at("resampled").get<bool>());
  CHECK(summary.at("cases").at(0).at("predicted_on").at("size") == json({kX, kY, 2 * kZ}));
  const Volume out = read_label_volume(work.path / "pred" / "case4.nii.gz");
  CHECK(out.voxels.sizes() == torch::IntArrayRef({1, kZ, kY, kX}));
  check_same_header(out.geometry, raw_geometry());
  // The probabilities are resampled, then the argmax taken: they still sum to one, on the raw grid.
  const Volume p0 = read_image_volume(work.path / "pred" / "probabilities" / "case4_background.nii.gz");
  const Volume p1 = read_image_volume(work.path / "pred" / "probabilities" / "case4_box.nii.gz");
  CHECK((p0.voxels + p1.voxels - 1.0).abs().max().item<double>() < 1e-5);
  CHECK(torch::equal(out.voxels, (p1.voxels > p0.voxels).to(torch::kInt64)));
  ScoreConfig s;
  s.pred = (work.path / "pred").string();
  s.ref = (raw / "labelsTs").string();
  s.labels = (raw / "dataset.json").string();
  s.output = (work.path / "score.json").string();
  s.hd95 = "off";
  const auto by_predict = case_dsc(run_score(s));
  // The box spans whole slices in z, so resampling z and back changes the DSC only at the
  // box's in-plane border (interpolated probabilities): the two agree closely, not exactly.
  for (const auto& [id, dsc] : by_eval) {
    MESSAGE(id << ": eval on the 1 mm grid " << dsc << ", predict + score on the raw 2 mm grid " << by_predict.at(id));
    CHECK(std::abs(by_predict.at(id) - dsc) < 0.05);
  }
}

namespace {

// Non-square grey PNGs in nnU-Net's 2-D layout, brought to 16x16 by preprocess --size 16:
// squashed (stretch), or scaled to 16x11 and padded (pad, aspect kept); predicted back at 40x28.
void check_2d_round_trip(const std::string& resize) {
  TempDir work("predict_2d_" + resize);
  const fs::path raw = work.path / "raw";
  constexpr int64_t kW = 40, kH = 28;
  write_json_atomic(raw / "dataset.json", {{"channel_names", {{"0", "grey"}}},
                                           {"labels", {{"background", 0}, {"box", 1}}},
                                           {"numTraining", 4},
                                           {"file_ending", ".png"}});
  for (int i = 0; i < 6; ++i) {
    const bool test = i >= 4;
    torch::manual_seed(static_cast<uint64_t>(200 + i));
    auto image = (torch::rand({1, kH, kW}) * 60.0).to(torch::kUInt8);
    auto label = torch::zeros({1, kH, kW}, torch::kUInt8);
    const int64_t x0 = 4 + 3 * i, y0 = 3 + i;
    using torch::indexing::Slice;
    image.index_put_({Slice(), Slice(y0, y0 + 12), Slice(x0, x0 + 16)}, 200);
    label.index_put_({Slice(), Slice(y0, y0 + 12), Slice(x0, x0 + 16)}, 1);
    const std::string id = fmt::format("img{}", i);
    write_image_2d(raw / (test ? "imagesTs" : "imagesTr") / (id + "_0000.png"), image);
    write_image_2d(raw / (test ? "labelsTs" : "labelsTr") / (id + ".png"), label);
  }
  PreprocessConfig p;
  p.dataset = "nnunet";
  p.input = raw.string();
  p.output = (work.path / "prep").string();
  p.size = 16;
  p.resize = resize;
  p.threads = 1;
  run_preprocess(p);
  if (resize == "pad") {
    // 40x28 scaled to 16x11, padded with 2 rows above and 3 below: background there.
    const Volume label = read_label_volume(work.path / "prep" / "labelsTr" / "img0.nii.gz");
    REQUIRE(label.voxels.size(2) == 16);
    CHECK(label.voxels.index({0, 0, torch::indexing::Slice(0, 2)}).sum().item<int64_t>() == 0);
    CHECK(label.voxels.index({0, 0, torch::indexing::Slice(13, 16)}).sum().item<int64_t>() == 0);
    const Volume image = read_image_volume(work.path / "prep" / "imagesTr" / "img0_0000.nii.gz");
    CHECK(image.voxels.index({0, 0, torch::indexing::Slice(0, 2)}).abs().max().item<float>() == 0.0f);
  }
  train_box_model(p.output, work.path / "run");

  run_predict(predict_config(checkpoint_path(work.path / "run"), raw / "imagesTs", work.path / "pred"));
  for (const char* id : {"img4", "img5"}) {
    const fs::path out = work.path / "pred" / (std::string(id) + ".png");
    REQUIRE(fs::is_regular_file(out));
    const ImageFileInfo info = read_image_file_info(out);
    CHECK(info.size[0] == kW);
    CHECK(info.size[1] == kH);
  }
  ScoreConfig s;
  s.pred = (work.path / "pred").string();
  s.ref = (raw / "labelsTs").string();
  s.labels = (raw / "dataset.json").string();
  s.output = (work.path / "score.json").string();
  s.hd95 = "off";
  for (const auto& [id, dsc] : case_dsc(run_score(s))) {
    MESSAGE(id << ": DSC " << dsc << " at the original 40x28 (" << resize << ")");
    CHECK(dsc > 0.5);  // the box, found at 16x16, lands on the right pixels of the original image
  }
}

}  // namespace

TEST_CASE("predict: 2-D images come back as PNG label maps of their own width and height") {
  SUBCASE("stretched to the square") { check_2d_round_trip("stretch"); }
  SUBCASE("aspect kept, padded to the square") { check_2d_round_trip("pad"); }
}

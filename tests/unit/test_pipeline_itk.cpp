// The data -> train -> checkpoint path on a tiny synthetic benchmark (needs ITK for NIfTI):
// determinism, resume equivalence, and the bad-input errors of the nnU-Net reader.
#include <doctest/doctest.h>

#include <fstream>
#include <unistd.h>

#include "core/error.h"
#include "core/files.h"
#include "core/fingerprint.h"
#include "data/nnunet_raw.h"
#include "data/synth/synth_dataset.h"
#include "data/volume_io.h"
#include "train/checkpoint.h"
#include "train/trainer.h"
#include "tiny_runs.h"

using namespace mis;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("mis_pipeline_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p;
}

SynthConfig tiny_synth(const fs::path& out) {
  SynthConfig c;
  c.output = out.string();
  c.train_cases = 2;
  c.test_cases = 1;
  c.size = 32;
  c.slices = 3;
  c.domains = 2;
  c.seed = 5;
  return c;
}

TrainConfig tiny_train(const fs::path& data, const fs::path& out) { return tiny_train_config(data / "source", out); }

std::vector<torch::Tensor> weights_of(const fs::path& checkpoint) {
  LoadedModel m = load_model_for_inference(checkpoint, torch::kCPU);
  std::vector<torch::Tensor> out;
  for (const auto& p : m.model->named_parameters()) out.push_back(p.value().clone());
  for (const auto& b : m.model->named_buffers()) out.push_back(b.value().clone());
  return out;
}

}  // namespace

TEST_CASE("synth: the same seed writes byte-identical files, another seed does not") {
  const fs::path a = scratch("synth_a"), b = scratch("synth_b"), c = scratch("synth_c");
  write_synthetic_benchmark(tiny_synth(a));
  write_synthetic_benchmark(tiny_synth(b));
  SynthConfig other = tiny_synth(c);
  other.seed = 6;
  write_synthetic_benchmark(other);
  const auto files_of = [](const fs::path& root) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
  };
  // Per domain: an image and a label per case, dataset.json, and the pack (its marker, pack.json,
  // one file per case); "source" has 2 training + 1 test case, the other domain 1 test case. At
  // the top: synth.json and the output marker.
  const auto domain_files = [](int cases) { return 2 * cases + 1 + (2 + cases); };
  CHECK(files_of(a).size() == static_cast<std::size_t>(domain_files(3) + domain_files(1) + 2));
  CHECK(fingerprint_files(files_of(a)) == fingerprint_files(files_of(b)));
  CHECK(fingerprint_files(files_of(a)) != fingerprint_files(files_of(c)));
  // What synth writes is what the reader reads.
  NnunetRawDataset ds(a / "source", "train");
  CHECK(ds.size() == 2);
  CHECK(ds.info().class_names == std::vector<std::string>{"background", "RV", "MYO", "LV"});
  const Case k = ds.load(0);
  CHECK(k.image.sizes() == torch::IntArrayRef{1, 3, 32, 32});
  CHECK(k.label.max().item<int64_t>() <= 3);
  CHECK(k.geometry.spacing[2] == doctest::Approx(8.0));
  for (const auto& p : {a, b, c}) fs::remove_all(p);
}

TEST_CASE("train: a run interrupted and resumed ends with the same weights as an uninterrupted one") {
  const fs::path data = scratch("resume_data");
  write_synthetic_benchmark(tiny_synth(data));
  const fs::path whole = scratch("resume_whole"), parts = scratch("resume_parts");
  const TrainOutcome full = train(tiny_train(data, whole), false);
  CHECK(full.steps == 6);

  const TrainOutcome first = train(tiny_train(data, parts), false, [](int64_t done) { return done == 3; });
  CHECK(first.interrupted);
  CHECK(read_checkpoint_meta(checkpoint_path(parts)).step == 3);
  // Without --resume the existing run is never overwritten.
  CHECK_THROWS_WITH_AS(train(tiny_train(data, parts), false), doctest::Contains("--resume"), UserError);
  const TrainOutcome second = train(tiny_train(data, parts), true);
  CHECK(second.resumed_from == 3);

  const auto w1 = weights_of(checkpoint_path(whole)), w2 = weights_of(checkpoint_path(parts));
  REQUIRE(w1.size() == w2.size());
  for (std::size_t i = 0; i < w1.size(); ++i) CHECK(torch::equal(w1[i], w2[i]));
  // The resumed log reads as one run: one line per step, steps 1..6.
  std::ifstream log(train_log_path(parts));
  int64_t expected = 1;
  for (std::string line; std::getline(log, line); ++expected) CHECK(json::parse(line)["step"] == expected);
  CHECK(expected == 7);

  // A resume with different settings is refused.
  TrainConfig changed = tiny_train(data, parts);
  changed.loss.lambda = 0.1;
  changed.iterations = 8;
  CHECK_THROWS_WITH_AS(train(changed, true), doctest::Contains("different configuration"), UserError);
  // A corrupt checkpoint is a clear error naming it.
  write_text_atomic(checkpoint_path(parts), "garbage");
  CHECK_THROWS_WITH_AS(read_checkpoint_meta(checkpoint_path(parts)), doctest::Contains("checkpoint.pt"), UserError);
  for (const auto& p : {data, whole, parts}) fs::remove_all(p);
}

TEST_CASE("nnU-Net reader: bad inputs are one-line errors naming the file") {
  const fs::path data = scratch("bad_inputs");
  write_synthetic_benchmark(tiny_synth(data));
  const fs::path src = data / "source";
  NnunetRawDataset ds(src, "train");
  const std::string id = ds.case_id(0);

  SUBCASE("label values outside dataset.json's labels") {
    auto label = ds.load(0).label.clone();
    label[0][0][0] = 7;
    write_label_volume(ds.label_path(id), label, ds.load(1).geometry);
    CHECK_THROWS_WITH_AS(ds.load(0), doctest::Contains("label values span 0..7"), UserError);
  }
  SUBCASE("image and label of different geometry") {
    const Case c = ds.load(0);
    Geometry g = c.geometry;
    g.spacing[0] *= 2;
    write_label_volume(ds.label_path(id), c.label, g);
    CHECK_THROWS_WITH_AS(ds.load(0), doctest::Contains("geometry"), UserError);
  }
  SUBCASE("image and label of different size") {
    const Case c = ds.load(0);
    write_label_volume(ds.label_path(id), c.label.slice(2, 0, 16), c.geometry);
    CHECK_THROWS_WITH_AS(ds.load(0), doctest::Contains("differs from image size"), UserError);
  }
  SUBCASE("a file that is not NIfTI, and a truncated one") {
    write_text_atomic(ds.image_path(id, 0), "this is not an image");
    CHECK_THROWS_WITH_AS(ds.load(0), doctest::Contains(ds.image_path(id, 0).string().c_str()), UserError);
    const fs::path other = ds.image_path(ds.case_id(1), 0);
    const auto size = fs::file_size(other);
    fs::resize_file(other, size / 2);
    CHECK_THROWS_WITH_AS(ds.load(1), doctest::Contains(other.string().c_str()), UserError);
  }
  SUBCASE("NaN in an image") {
    const Case c = ds.load(0);
    auto image = c.image[0].clone();
    image[0][0][0] = std::nan("");
    write_image_volume(ds.image_path(id, 0), image, c.geometry);
    CHECK_THROWS_WITH_AS(ds.load(0), doctest::Contains("NaN"), UserError);
  }
  SUBCASE("a missing label file is found when the folder is opened") {
    fs::remove(ds.label_path(id));
    const std::string expected = (src / "labelsTr").string() + ": 1 case(s) of imagesTr have no label map here: " + id + ";";
    CHECK_THROWS_WITH_AS(NnunetRawDataset(src, "train"), doctest::Contains(expected.c_str()), UserError);
  }
  SUBCASE("a missing folder, and labels with a gap") {
    CHECK_THROWS_WITH_AS(NnunetRawDataset(data / "nope", "train"), doctest::Contains("does not exist"), UserError);
    json j = read_json_file(src / "dataset.json");
    j["labels"]["LV"] = 5;
    write_json_atomic(src / "dataset.json", j);
    CHECK_THROWS_WITH_AS(NnunetRawDataset(src, "train"), doctest::Contains("consecutive"), UserError);
  }
  fs::remove_all(data);
}

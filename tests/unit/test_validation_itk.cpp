// Validation during training (train/validation.h; the trainer's use of it needs ITK for synth's
// NIfTI): the pseudo Dice against counts done by hand, the held-out cases, checkpoint_best.pt
// against the log's best score and a recomputation, and resume keeping the best.
#include <doctest/doctest.h>

#include <fstream>

#include "data/synth/synth_dataset.h"
#include "support.h"
#include "tiny_runs.h"
#include "train/checkpoint.h"
#include "train/trainer.h"
#include "train/validation.h"

using namespace mis;
namespace fs = std::filesystem;

namespace {

// A "model" whose prediction is the rounded first input channel: logits one-hot of it.
struct EchoModelImpl : SegmentationModelImpl {
  int64_t classes;
  explicit EchoModelImpl(int64_t k) : classes(k) {}
  torch::Tensor forward(torch::Tensor images) override {
    const auto predicted = images.select(1, 0).round().to(torch::kInt64);  // [B, H, W]
    return torch::one_hot(predicted, classes).permute({0, 3, 1, 2}).to(torch::kFloat32);
  }
  int size_divisor() const override { return 1; }
};

TrainConfig tiny_validated_run(const fs::path& data, const fs::path& out) {
  TrainConfig t = tiny_train_config(data / "source", out);
  t.validation.fraction = 0.25;  // 1 of the 4 training cases
  t.validation.every = 1;
  return t;
}

std::vector<json> validation_lines(const fs::path& run) {
  std::vector<json> out;
  std::ifstream log(train_log_path(run));
  for (std::string line; std::getline(log, line);)
    if (json j = json::parse(line); j.contains("val_dsc")) out.push_back(j);
  return out;
}

}  // namespace

TEST_CASE("validation: slices spread evenly, pseudo Dice sums TP, FP, FN over the slices before dividing") {
  CHECK(evenly_spaced(10, 4) == std::vector<int64_t>{0, 2, 5, 7});
  CHECK(evenly_spaced(3, 5) == std::vector<int64_t>{0, 1, 2});

  // Two 1x4 slices, classes 0..2. Slice 0: prediction 1 1 0 2, reference 1 0 0 2.
  // Slice 1: prediction 0 0 0 0, reference 1 1 0 0. Class 1: TP 1, FP 1, FN 2 -> 2/(2+1+2) = 0.4.
  // Class 2: TP 1 -> 1.0. Per-slice Dice averaged would give class 1 (2/3 + 0) / 2 instead.
  SlicePool pool;
  pool.images = torch::tensor({1, 1, 0, 2, 0, 0, 0, 0}, torch::kFloat32).reshape({2, 1, 1, 4});
  pool.labels = torch::tensor({1, 0, 0, 2, 1, 1, 0, 0}, torch::kUInt8).reshape({2, 1, 4});
  pool.case_of_slice = {"a", "b"};
  auto model = std::make_shared<EchoModelImpl>(3);
  const StepSettings cpu{torch::kCPU, Precision::fp32, /*channels_last=*/false};
  const json score = validation_score(*model, pool, {0, 1}, 3, /*batch_size=*/1, cpu);
  CHECK(score["val_dsc_per_class"][0].get<double>() == doctest::Approx(0.4));
  CHECK(score["val_dsc_per_class"][1].get<double>() == doctest::Approx(1.0));
  CHECK(score["val_dsc"].get<double>() == doctest::Approx(0.7));
  CHECK(model->is_training());  // handed back in train mode
  // A class in neither reference nor prediction has no Dice and does not enter the mean.
  const json only_b = validation_score(*model, pool, {1}, 3, 2, cpu);
  CHECK(only_b["val_dsc_per_class"][1].is_null());
  CHECK(only_b["val_dsc"].get<double>() == doctest::Approx(0.0));

  const SlicePool kept = select_cases(pool, {"b"}, true), rest = select_cases(pool, {"b"}, false);
  CHECK(kept.case_of_slice == std::vector<std::string>{"b"});
  CHECK(torch::equal(rest.labels, pool.labels.slice(0, 0, 1)));
}

TEST_CASE("train with validation: held-out cases, checkpoint_best.pt at the log's best, kept across resume") {
  TempDir data("val_data"), whole("val_whole"), parts("val_parts"), sparse("val_sparse");
  SynthConfig s;
  s.output = data.path.string();
  s.train_cases = 4;
  s.test_cases = 1;
  s.size = 32;
  s.slices = 3;
  s.domains = 1;
  s.seed = 5;
  write_synthetic_benchmark(s);

  const TrainConfig config = tiny_validated_run(data.path, whole.path);
  train(config, false);
  // 1 of 4 cases (3 slices) held out: 9 training slices.
  CHECK(read_json_file(train_summary_path(whole.path))["slices"] == 9);
  const auto lines = validation_lines(whole.path);
  REQUIRE(lines.size() == 6);
  std::size_t best = 0;
  for (std::size_t i = 1; i < lines.size(); ++i)
    if (lines[i]["val_dsc"].get<double>() > lines[best]["val_dsc"].get<double>()) best = i;
  const CheckpointMeta meta = read_checkpoint_meta(best_checkpoint_path(whole.path));
  CHECK(meta.step == lines[best]["step"].get<int64_t>());
  CHECK(meta.validation["best_step"] == lines[best]["step"]);
  CHECK(meta.validation["best_dsc"].get<double>() == lines[best]["val_dsc"].get<double>());
  // Recomputed from checkpoint_best.pt's weights on the held-out case's slices: the logged score.
  {
    LoadedModel best_model = load_model_for_inference(best_checkpoint_path(whole.path), torch::kCPU);
    best_model.model->train();
    const auto dataset = open_dataset(config.data, "train");
    const SlicePool pool = load_slice_pool(*dataset, config.normalization, config.patch_size);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < dataset->size(); ++i) ids.push_back(dataset->case_id(i));
    const SlicePool held_out = select_cases(pool, validation_cases(config, ids), true);
    const StepSettings cpu{torch::kCPU, Precision::fp32, config.channels_last};
    prepare_model(*best_model.model, cpu);
    const json again = validation_score(*best_model.model, held_out, evenly_spaced(held_out.size(), 64), 4,
                                        config.batch_size, cpu);
    CHECK(again["val_dsc"].get<double>() == doctest::Approx(lines[best]["val_dsc"].get<double>()).epsilon(1e-6));
  }

  // Interrupted after step 3 and resumed: the same best checkpoint as the uninterrupted run.
  TrainConfig interrupted = config;
  interrupted.output = parts.path.string();
  train(interrupted, false, [](int64_t done) { return done == 3; });
  train(interrupted, true);
  const CheckpointMeta resumed = read_checkpoint_meta(best_checkpoint_path(parts.path));
  CHECK(resumed.validation == meta.validation);
  CHECK(validation_lines(parts.path).size() == 6);

  // Validating less often changes no weight (no gradient, no random number): same final checkpoint.
  TrainConfig rarely = config;
  rarely.output = sparse.path.string();
  rarely.validation.every = 4;
  train(rarely, false);
  CHECK(validation_lines(sparse.path).size() == 2);  // steps 4 and 6 (the last)
  LoadedModel a = load_model_for_inference(checkpoint_path(whole.path), torch::kCPU);
  LoadedModel b = load_model_for_inference(checkpoint_path(sparse.path), torch::kCPU);
  const auto pa = a.model->parameters(), pb = b.model->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) CHECK(torch::equal(pa[i], pb[i]));
  // Which cases are held out is part of the run's identity; how often they are scored is not.
  CHECK(identity_of(rarely) == identity_of(config));
  TrainConfig off = config;
  off.validation = {};
  CHECK(identity_of(off) != identity_of(config));
  CHECK(!identity_of(off).contains("validation"));  // runs without validation keep their old identity
}

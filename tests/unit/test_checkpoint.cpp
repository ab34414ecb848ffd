// Checkpoints: a checksum over metadata and state catches damaged files, diverged weights are
// refused, and files of the earlier format (no checksum) still load.
#include <doctest/doctest.h>

#include <fstream>

#include "core/files.h"
#include "models/registry.h"
#include "support.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

using namespace mis;

namespace {

ModelSpec tiny_unet() {
  ModelSpec spec;
  spec.name = "unet-small";
  spec.options = {{"base_width", 4}, {"depth", 2}};
  return spec;
}

CheckpointMeta meta_for(const ModelSpec& spec) {
  CheckpointMeta meta;
  meta.step = 3;
  meta.total_steps = 10;
  meta.model = to_json(spec);
  meta.train_config = json::object();
  meta.class_names = {"background", "LV"};
  return meta;
}

std::string bytes_of(const fs::path& p) { return read_text_file(p); }

void write_bytes_to(const fs::path& p, const std::string& b) { std::ofstream(p, std::ios::binary) << b; }

bool same_weights(torch::nn::Module& a, torch::nn::Module& b) {
  const auto pa = a.parameters(), pb = b.parameters();
  if (pa.size() != pb.size()) return false;
  for (std::size_t i = 0; i < pa.size(); ++i)
    if (!torch::equal(pa[i], pb[i])) return false;
  return true;
}

}  // namespace

TEST_CASE("checkpoint: weights and metadata round-trip, a flipped byte anywhere in the state is caught") {
  torch::manual_seed(11);
  TempDir tmp;
  const fs::path path = tmp.path / "checkpoint.pt";
  const ModelSpec spec = tiny_unet();
  auto model = make_model(spec);
  save_checkpoint(path, meta_for(spec), *model, nullptr);
  CHECK(read_checkpoint_meta(path).step == 3);
  auto loaded = make_model(spec);
  load_checkpoint_state(path, *loaded, nullptr);
  CHECK(same_weights(*model, *loaded));
  CHECK(std::distance(fs::directory_iterator(tmp.path), fs::directory_iterator()) == 1);  // no temporary left

  // The stored float bytes of one weight, found in the file and changed in their last byte:
  // without the checksum this loads and silently changes the model.
  const std::string good = bytes_of(path);
  const auto w = model->parameters().front().contiguous();
  const std::string needle(static_cast<const char*>(w.data_ptr()), 64);
  const auto at = good.find(needle);
  REQUIRE(at != std::string::npos);
  std::string bad = good;
  bad[at + 63] = static_cast<char>(bad[at + 63] ^ 0x01);
  write_bytes_to(path, bad);
  const std::string message = error_of([&] { load_checkpoint_state(path, *loaded, nullptr); });
  CHECK_MESSAGE(message.find(path.string() + ": not a readable checkpoint (its weights do not match the checksum") == 0,
                message);

  // The metadata: a changed digit is still valid JSON, and only the checksum tells.
  bad = good;
  const auto step_at = bad.find("\"step\":3");
  REQUIRE(step_at != std::string::npos);
  bad[step_at + 7] = '4';
  write_bytes_to(path, bad);
  CHECK_THROWS_WITH_AS(read_checkpoint_meta(path), doctest::Contains("its metadata does not match the checksum"), UserError);
}

TEST_CASE("checkpoint: NaN weights are never evaluated as a model") {
  TempDir tmp;
  const fs::path path = tmp.path / "checkpoint.pt";
  const ModelSpec spec = tiny_unet();
  auto model = make_model(spec);
  CHECK(weights_finite(*model));
  {
    torch::NoGradGuard no_grad;
    model->parameters()[2].view(-1)[0] = std::numeric_limits<float>::quiet_NaN();
  }
  CHECK_FALSE(weights_finite(*model));
  save_checkpoint(path, meta_for(spec), *model, nullptr);
  const std::string message = error_of([&] { load_model_for_inference(path, torch::kCPU); });
  CHECK_MESSAGE(message.rfind(path.string() + ": holds NaN or infinite weights", 0) == 0, message);
}

TEST_CASE("checkpoint: a file of format 1 (before checksums) still loads") {
  torch::manual_seed(12);
  TempDir tmp;
  const fs::path path = tmp.path / "old.pt";
  const ModelSpec spec = tiny_unet();
  auto model = make_model(spec);
  // Format 1 as the earlier code wrote it: format, meta, model and rng_cpu in one archive.
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string("mis-spectral-checkpoint/1")));
  const json meta = {{"step", 7}, {"total_steps", 9}, {"train_config", json::object()}, {"model", to_json(spec)},
                     {"class_names", {"background", "LV"}}, {"code_version", "old"}};
  archive.write("meta", c10::IValue(meta.dump()));
  torch::serialize::OutputArchive model_archive;
  model->save(model_archive);
  archive.write("model", model_archive);
  archive.save_to(path.string());
  CHECK(read_checkpoint_meta(path).step == 7);
  auto loaded = make_model(spec);
  load_checkpoint_state(path, *loaded, nullptr);
  CHECK(same_weights(*model, *loaded));
}

TEST_CASE("--checkpoint-kind picks a run folder's last or best checkpoint, or the best one beside a file") {
  TempDir run("checkpoint_kind");
  write_text_atomic(run.path / "checkpoint.pt", "last");
  CHECK(resolve_checkpoint(run.path, "last") == run.path / "checkpoint.pt");
  CHECK(resolve_checkpoint(run.path / "checkpoint.pt", "last") == run.path / "checkpoint.pt");
  // Trained without validation: no best checkpoint, and the message says where one comes from.
  CHECK(error_of([&] { resolve_checkpoint(run.path, "best"); }).find("--val-split") != std::string::npos);
  write_text_atomic(run.path / "checkpoint_best.pt", "best");
  CHECK(resolve_checkpoint(run.path, "best") == run.path / "checkpoint_best.pt");
  CHECK(resolve_checkpoint(run.path / "checkpoint.pt", "best") == run.path / "checkpoint_best.pt");
  // A file named explicitly is loaded as named with the default kind.
  CHECK(resolve_checkpoint(run.path / "checkpoint_best.pt", "last") == run.path / "checkpoint_best.pt");
  CHECK(error_of([&] { resolve_checkpoint(run.path, "newest"); }).find("expected last or best") != std::string::npos);
}

#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include "core/checked_archive.h"
#include "core/error.h"
#include "core/files.h"
#include "core/version.h"
#include "train/trainer.h"

namespace mis {

namespace {

// Format 2 keeps the state (weights, optimiser, RNG) in a checked archive's checksummed record,
// so that a flipped byte is noticed on load instead of silently changing the weights. Format 1
// files (no checksums, the state in the archive itself) still load.
constexpr const char* kFormat = "mis-spectral-checkpoint/2";
constexpr const char* kFormatV1 = "mis-spectral-checkpoint/1";

// A handle to LibTorch's global CPU generator (weight init, dropout), whose state resumes with the run.
at::Generator cpu_generator() { return at::detail::getDefaultCPUGenerator(); }

// The file's archive, checked to be a mis-spectral checkpoint.
CheckedArchive open_checkpoint(const std::filesystem::path& path) {
  require_exists(path, "expected a checkpoint written by mis-spectral train");
  if (std::filesystem::is_directory(path)) {
    const auto inside = checkpoint_path(path);
    if (std::filesystem::is_regular_file(inside))
      fail_file(path, "is a run folder, not a checkpoint file; pass its checkpoint: " + inside.string());
    fail_file(path, "is a folder, not a checkpoint file; pass the checkpoint.pt that train wrote");
  }
  return CheckedArchive(path, {kFormat, kFormatV1}, "checkpoint",
                        "point to an intact one (a run folder's checkpoint.pt), or move it away and retrain");
}

std::string read_meta_text(CheckedArchive& archive) { return archive.meta(archive.format() != kFormatV1); }

// The archive holding "model", "optimizer" and "rng_cpu".
torch::serialize::InputArchive open_state(CheckedArchive& archive) {
  if (archive.format() == kFormatV1) return std::move(archive.outer());
  return archive.state("weights");
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const CheckpointMeta& meta, torch::nn::Module& model,
                     torch::optim::Optimizer* optimizer) {
  const json meta_json = {{"step", meta.step},
                          {"total_steps", meta.total_steps},
                          {"train_config", meta.train_config},
                          {"model", meta.model},
                          {"class_names", meta.class_names},
                          {"preprocessing", meta.preprocessing},
                          {"validation", meta.validation},
                          {"code_version", code_version()}};
  const std::string meta_text = meta_json.dump();

  torch::serialize::OutputArchive state;
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  state.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    state.write("optimizer", optimizer_archive);
  }
  state.write("rng_cpu", cpu_generator().get_state());
  save_checked_archive(path, kFormat, meta_text, state);
}

CheckpointMeta read_checkpoint_meta(const std::filesystem::path& path) {
  auto archive = open_checkpoint(path);
  const json j = json::parse(read_meta_text(archive), nullptr, /*allow_exceptions=*/false);
  CheckpointMeta meta;
  try {
    meta.step = j.at("step").get<int64_t>();
    meta.total_steps = j.at("total_steps").get<int64_t>();
    meta.train_config = j.at("train_config");
    meta.model = j.at("model");
    meta.class_names = j.at("class_names").get<std::vector<std::string>>();
    meta.code_version = j.value("code_version", "");
    meta.preprocessing = j.value("preprocessing", json());
    meta.validation = j.value("validation", json());
  } catch (const json::exception&) {
    archive.fail_corrupt("its metadata is not what train writes");
  }
  return meta;
}

void load_checkpoint_state(const std::filesystem::path& path, torch::nn::Module& model,
                           torch::optim::Optimizer* optimizer) {
  auto file = open_checkpoint(path);
  const json stored = json::parse(read_meta_text(file), nullptr, /*allow_exceptions=*/false);
  auto archive = open_state(file);
  // Module::load swaps in each stored tensor whatever its shape, so weights of another model
  // configuration would "load" and fail later in forward; compare shapes to say so here.
  auto shapes_of = [&model] {
    std::vector<std::pair<std::string, std::vector<int64_t>>> out;
    for (const auto& p : model.named_parameters()) out.emplace_back(p.key(), p.value().sizes().vec());
    for (const auto& b : model.named_buffers()) out.emplace_back(b.key(), b.value().sizes().vec());
    return out;
  };
  const auto before = shapes_of();
  std::string written_for = "another model";
  const json model_meta = stored.is_object() ? stored.value("model", json()) : json();
  if (model_meta.is_object() && model_meta.contains("name") && model_meta["name"].is_string())
    written_for = "model '" + model_meta["name"].get<std::string>() + "' " + model_meta.value("options", json::object()).dump();
  const std::string mismatch = "checkpoint was written for " + written_for + " and does not match the model being loaded";
  try {
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model.load(model_archive);
    const auto after = shapes_of();
    std::string differ;
    size_t count = 0;
    for (size_t i = 0; i < before.size() && i < after.size(); ++i) {
      if (before[i].second == after[i].second) continue;
      if (++count <= 5)
        differ += (differ.empty() ? "" : ", ") + before[i].first + " (checkpoint " + c10::str(c10::IntArrayRef(after[i].second)) +
                  ", model " + c10::str(c10::IntArrayRef(before[i].second)) + ")";
    }
    if (count > 0)
      fail_file(path, mismatch + ": " + std::to_string(count) + " tensors of other shapes: " + differ +
                          (count > 5 ? ", ..." : "") + "; use the model and options the checkpoint records");
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      archive.read("optimizer", optimizer_archive);
      optimizer->load(optimizer_archive);
    }
    torch::Tensor rng_state;
    if (archive.try_read("rng_cpu", rng_state)) cpu_generator().set_state(rng_state);
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    what = what.substr(0, what.find('\n'));
    fail_file(path, mismatch + " (" + what + "); use the model and options the checkpoint records");
  }
}

bool weights_finite(torch::nn::Module& model) {
  for (const auto& p : model.parameters())
    if (!torch::isfinite(p).all().item<bool>()) return false;
  for (const auto& b : model.buffers())
    if (b.is_floating_point() && !torch::isfinite(b).all().item<bool>()) return false;
  return true;
}

LoadedModel load_model_for_inference(const std::filesystem::path& path, const torch::Device& device) {
  LoadedModel loaded;
  loaded.meta = read_checkpoint_meta(path);
  loaded.spec = model_spec_from_json(loaded.meta.model);
  loaded.model = make_model(loaded.spec, /*with_pretrained=*/false);
  load_checkpoint_state(path, *loaded.model, nullptr);
  if (!weights_finite(*loaded.model))
    fail_file(path, "holds NaN or infinite weights (its training diverged); retrain with a lower --lr");
  loaded.model->to(device);
  loaded.model->eval();
  return loaded;
}

}  // namespace mis

#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include "core/error.h"
#include "core/files.h"
#include "core/version.h"

namespace mis {

namespace {

constexpr const char* kFormat = "mis-spectral-checkpoint/1";

// A handle to LibTorch's global CPU generator (weight init, dropout), whose state resumes with the run.
at::Generator cpu_generator() { return at::detail::getDefaultCPUGenerator(); }

torch::serialize::InputArchive open_archive(const std::filesystem::path& path) {
  require_exists(path, "expected a checkpoint written by mis-spectral train");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string());
  } catch (const c10::Error&) {
    fail_file(path, "not a readable checkpoint (truncated or corrupt?); delete it to start over, or point to an intact one");
  }
  c10::IValue format;
  if (!archive.try_read("format", format) || !format.isString() || format.toStringRef() != kFormat)
    fail_file(path, std::string("not a mis-spectral checkpoint (expected format ") + kFormat + ")");
  return archive;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const CheckpointMeta& meta, torch::nn::Module& model,
                     torch::optim::Optimizer* optimizer) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  const json meta_json = {{"step", meta.step},
                          {"total_steps", meta.total_steps},
                          {"train_config", meta.train_config},
                          {"model", meta.model},
                          {"class_names", meta.class_names},
                          {"code_version", code_version()}};
  archive.write("meta", c10::IValue(meta_json.dump()));
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  archive.write("rng_cpu", cpu_generator().get_state());
  write_atomic_with(path, [&](const std::filesystem::path& tmp) { archive.save_to(tmp.string()); });
}

CheckpointMeta read_checkpoint_meta(const std::filesystem::path& path) {
  auto archive = open_archive(path);
  c10::IValue meta_value;
  if (!archive.try_read("meta", meta_value) || !meta_value.isString()) fail_file(path, "checkpoint has no metadata");
  const json j = json::parse(meta_value.toStringRef());
  CheckpointMeta meta;
  meta.step = j.at("step").get<int64_t>();
  meta.total_steps = j.at("total_steps").get<int64_t>();
  meta.train_config = j.at("train_config");
  meta.model = j.at("model");
  meta.class_names = j.at("class_names").get<std::vector<std::string>>();
  meta.code_version = j.value("code_version", "");
  return meta;
}

void load_checkpoint_state(const std::filesystem::path& path, torch::nn::Module& model,
                           torch::optim::Optimizer* optimizer) {
  auto archive = open_archive(path);
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
  c10::IValue meta_value;
  if (archive.try_read("meta", meta_value) && meta_value.isString()) {
    const json meta = json::parse(meta_value.toStringRef(), nullptr, /*allow_exceptions=*/false);
    if (meta.is_object() && meta.contains("model") && meta["model"].is_object() && meta["model"].contains("name"))
      written_for = "model '" + meta["model"]["name"].get<std::string>() + "' " + meta["model"].value("options", json::object()).dump();
  }
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

LoadedModel load_model_for_inference(const std::filesystem::path& path, const torch::Device& device) {
  LoadedModel loaded;
  loaded.meta = read_checkpoint_meta(path);
  loaded.spec = model_spec_from_json(loaded.meta.model);
  loaded.model = make_model(loaded.spec, /*with_pretrained=*/false);
  load_checkpoint_state(path, *loaded.model, nullptr);
  loaded.model->to(device);
  loaded.model->eval();
  return loaded;
}

}  // namespace mis

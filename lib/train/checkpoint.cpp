#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/fingerprint.h"
#include "core/files.h"
#include "core/version.h"
#include "train/trainer.h"

namespace mis {

namespace {

// Format 2 wraps the state (weights, optimiser, RNG) in a byte record with a checksum, so that
// a flipped byte is noticed on load instead of silently changing the weights. Format 1 files
// (no checksum) still load.
constexpr const char* kFormat = "mis-spectral-checkpoint/2";
constexpr const char* kFormatV1 = "mis-spectral-checkpoint/1";

// A handle to LibTorch's global CPU generator (weight init, dropout), whose state resumes with the run.
at::Generator cpu_generator() { return at::detail::getDefaultCPUGenerator(); }

std::string checksum_of(const void* data, std::size_t size) {
  Fnv1a64 h;
  h.add(data, size);
  return "fnv1a64:" + h.hex();
}

[[noreturn]] void fail_corrupt(const std::filesystem::path& path, const std::string& what) {
  fail_file(path, "not a readable checkpoint (" + what +
                      "); point to an intact one (a run folder's checkpoint.pt), or move it away and retrain");
}

// The file's archive, checked to be a mis-spectral checkpoint.
torch::serialize::InputArchive open_archive(const std::filesystem::path& path, std::string& format) {
  require_exists(path, "expected a checkpoint written by mis-spectral train");
  if (std::filesystem::is_directory(path)) {
    const auto inside = checkpoint_path(path);
    if (std::filesystem::is_regular_file(inside))
      fail_file(path, "is a run folder, not a checkpoint file; pass its checkpoint: " + inside.string());
    fail_file(path, "is a folder, not a checkpoint file; pass the checkpoint.pt that train wrote");
  }
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string());
  } catch (const c10::Error&) {
    fail_corrupt(path, "truncated or corrupt?");
  }
  c10::IValue value;
  if (!archive.try_read("format", value) || !value.isString() ||
      (value.toStringRef() != kFormat && value.toStringRef() != kFormatV1))
    fail_file(path, std::string("not a mis-spectral checkpoint (expected format ") + kFormat + ")");
  format = value.toStringRef();
  return archive;
}

std::string read_string(torch::serialize::InputArchive& archive, const char* key, const std::filesystem::path& path) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isString()) fail_corrupt(path, std::string("no '") + key + "' record");
  return value.toStringRef();
}

// The metadata text, checked against its checksum (format 2).
std::string read_meta_text(torch::serialize::InputArchive& archive, const std::string& format,
                           const std::filesystem::path& path) {
  std::string meta = read_string(archive, "meta", path);
  if (format != kFormatV1 && checksum_of(meta.data(), meta.size()) != read_string(archive, "meta_checksum", path))
    fail_corrupt(path, "its metadata does not match the checksum stored with it: the file is damaged");
  return meta;
}

// The archive holding "model", "optimizer" and "rng_cpu": for format 2 the checksummed state
// record, unpacked; for format 1 the file's archive itself.
torch::serialize::InputArchive open_state(torch::serialize::InputArchive archive, const std::string& format,
                                          const std::filesystem::path& path) {
  if (format == kFormatV1) return archive;
  torch::Tensor bytes;
  if (!archive.try_read("state", bytes) || bytes.scalar_type() != torch::kUInt8 || bytes.dim() != 1)
    fail_corrupt(path, "no state record");
  bytes = bytes.contiguous();
  if (checksum_of(bytes.data_ptr(), static_cast<std::size_t>(bytes.numel())) != read_string(archive, "checksum", path))
    fail_corrupt(path, "its weights do not match the checksum stored with them: the file is damaged");
  torch::serialize::InputArchive state;
  try {
    state.load_from(static_cast<const char*>(bytes.data_ptr()), static_cast<std::size_t>(bytes.numel()));
  } catch (const c10::Error&) {
    fail_corrupt(path, "its state record cannot be read");
  }
  return state;
}

// Serialises through LibTorch's writer callback. A failed write is remembered rather than
// thrown: an exception inside the writer would surface again from its destructor, which
// ends the process (std::terminate); the caller checks failed() once the writer is done.
class CheckedFileSink {
 public:
  explicit CheckedFileSink(const std::filesystem::path& file) : fd_(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {
    if (fd_ < 0) error_ = errno;
  }
  ~CheckedFileSink() { close(); }
  std::size_t operator()(const void* data, std::size_t size) {
    if (error_ == 0) error_ = write_all(fd_, data, size);
    return size;  // always "written": see the class comment
  }
  // Closes the file; the error of the first failed call, or 0.
  int close() {
    if (fd_ >= 0 && ::close(fd_) != 0 && error_ == 0) error_ = errno;
    fd_ = -1;
    return error_;
  }

 private:
  int fd_;
  int error_ = 0;
};

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const CheckpointMeta& meta, torch::nn::Module& model,
                     torch::optim::Optimizer* optimizer) {
  const json meta_json = {{"step", meta.step},
                          {"total_steps", meta.total_steps},
                          {"train_config", meta.train_config},
                          {"model", meta.model},
                          {"class_names", meta.class_names},
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
  std::string state_bytes;
  state.save_to([&state_bytes](const void* data, std::size_t size) {
    state_bytes.append(static_cast<const char*>(data), size);
    return size;
  });

  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("meta", c10::IValue(meta_text));
  archive.write("meta_checksum", c10::IValue(checksum_of(meta_text.data(), meta_text.size())));
  archive.write("checksum", c10::IValue(checksum_of(state_bytes.data(), state_bytes.size())));
  archive.write("state", torch::from_blob(state_bytes.data(), {static_cast<int64_t>(state_bytes.size())}, torch::kUInt8));
  write_atomic_with(path, [&](const std::filesystem::path& tmp) {
    CheckedFileSink sink(tmp);
    archive.save_to([&sink](const void* data, std::size_t size) { return sink(data, size); });
    if (const int error = sink.close()) fail_write(path, std::strerror(error));
  });
}

CheckpointMeta read_checkpoint_meta(const std::filesystem::path& path) {
  std::string format;
  auto archive = open_archive(path, format);
  const json j = json::parse(read_meta_text(archive, format, path), nullptr, /*allow_exceptions=*/false);
  CheckpointMeta meta;
  try {
    meta.step = j.at("step").get<int64_t>();
    meta.total_steps = j.at("total_steps").get<int64_t>();
    meta.train_config = j.at("train_config");
    meta.model = j.at("model");
    meta.class_names = j.at("class_names").get<std::vector<std::string>>();
    meta.code_version = j.value("code_version", "");
  } catch (const json::exception&) {
    fail_corrupt(path, "its metadata is not what train writes");
  }
  return meta;
}

void load_checkpoint_state(const std::filesystem::path& path, torch::nn::Module& model,
                           torch::optim::Optimizer* optimizer) {
  std::string format;
  auto file = open_archive(path, format);
  const json stored = json::parse(read_meta_text(file, format, path), nullptr, /*allow_exceptions=*/false);
  auto archive = open_state(std::move(file), format, path);
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

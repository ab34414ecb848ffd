#include "eval/checkpoint_command.h"

#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/runtime.h"
#include "eval/result_schema.h"
#include "train/trainer.h"

namespace mis {

CheckpointCommand open_checkpoint_command(const std::string& checkpoint, const std::string& checkpoint_kind,
                                          const std::string& output, const std::string& device, int threads,
                                          int64_t batch_size) {
  const std::string file = resolve_checkpoint(checkpoint, checkpoint_kind).string();
  const auto output_dir = std::filesystem::path(output).parent_path();
  if (!output_dir.empty()) ensure_writable_dir(output_dir);
  const torch::Device target = parse_device(device);
  configure_threads(threads);
  return {file, target, load_for_inference(file, batch_size, target)};
}

json checkpoint_result_header(const std::string& kind, const CheckpointCommand& command, const json& config) {
  const auto& meta = command.inference.loaded.meta;
  json doc = result_header(kind);
  doc["runtime"] = describe_runtime(command.device);
  doc["inference"] = to_json(command.settings());
  doc["config"] = config;
  doc["checkpoint_file"] = command.checkpoint_file;
  doc["train_config"] = meta.train_config;
  doc["model"] = meta.model;
  doc["checkpoint_step"] = meta.step;
  doc["classes"] = meta.class_names;
  return doc;
}

json dataset_json(const Dataset& dataset) {
  const DatasetInfo& info = dataset.info();
  return {{"name", info.name},
          {"domain", info.domain},
          {"location", dataset.location()},
          {"fingerprint", dataset.fingerprint()},
          {"cases", dataset.size()}};
}

std::vector<RoleDataset> open_iid_and_ood(const std::string& data, const std::string& split,
                                          const std::vector<std::string>& ood) {
  std::vector<RoleDataset> datasets;
  if (!data.empty()) datasets.push_back({"iid", open_dataset(data, split)});
  for (const auto& path : ood) datasets.push_back({"ood", open_dataset(path, "test")});
  return datasets;
}

void require_label(const Dataset& dataset, const Case& c, const std::string& purpose) {
  if (!c.label.defined())
    throw UserError(fmt::format("{}: case {} has no reference label map {}", dataset.location(), c.id, purpose));
}

}  // namespace mis

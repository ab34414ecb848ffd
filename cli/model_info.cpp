#include <fmt/format.h>

#include "commands.h"
#include "core/error.h"
#include "models/model_info.h"

namespace mis::cli {

namespace {

struct ModelInfoFlags {
  std::string model;
  std::string options = "{}";
  int size = 224;
  int classes = 2;
  int channels = 1;
  bool as_json = false;
};

void list_presets() {
  size_t width = 0;
  for (const auto& p : model_presets()) width = std::max(width, p.name.size());
  fmt::print("models (mis-spectral model-info --model NAME for details):\n");
  for (const auto& p : model_presets()) fmt::print("  {:<{}}  {}\n", p.name, width, p.description);
}

void add_model_info(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "model-info", "Parameters (per block), output shape and forward FLOPs of a model; without --model, list the models");
  auto flags = std::make_shared<ModelInfoFlags>();
  cmd->add_option("--model", flags->model, "Model preset (see the list without --model)");
  cmd->add_option("--model-options", flags->options, "JSON object overriding preset options, e.g. '{\"layers\":6}'");
  cmd->add_option("--size", flags->size, "Square input size in pixels (a multiple of the model's size divisor)")
      ->capture_default_str();
  cmd->add_option("--classes", flags->classes, "Output classes, background included")->capture_default_str();
  cmd->add_option("--channels", flags->channels, "Input channels")->capture_default_str();
  cmd->add_flag("--json", flags->as_json, "Print JSON instead of a table");
  cmd->callback([flags] {
    if (flags->model.empty()) {
      list_presets();
      return;
    }
    ModelSpec spec;
    spec.name = flags->model;
    spec.in_channels = flags->channels;
    spec.num_classes = flags->classes;
    try {
      spec.options = json::parse(flags->options);
    } catch (const json::exception&) {
      throw UserError("--model-options: not a JSON object: " + flags->options);
    }
    if (!spec.options.is_object()) throw UserError("--model-options: not a JSON object: " + flags->options);
    const ModelInfo info = describe_model(spec, flags->size);
    if (flags->as_json) fmt::print("{}\n", to_json(info).dump(2));
    else fmt::print("{}", format_model_info(info));
  });
}

}  // namespace

MIS_REGISTER_COMMAND(75, add_model_info);

}  // namespace mis::cli

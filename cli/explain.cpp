#include <fmt/format.h>

#include "commands.h"
#include "checkpoint_flags.h"
#include "eval/explain.h"

namespace mis::cli {

namespace {

void add_explain(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "explain", "Grad-CAM maps of a layer and class as PNG overlays, with the share of each map's energy inside the "
                 "reference mask; and reference (red) / prediction (green) overlays");
  auto flags = std::make_shared<ConfigFlags>(cmd, to_json(ExplainConfig{}));
  auto cases = std::make_shared<std::vector<std::string>>();
  flags->add_config_file_option();
  add_checkpoint_flags(*flags);
  required(flags->add("--data", "/data", "Dataset folder (nnU-Net v2 raw layout) whose cases are explained"));
  flags->add("--split", "/split", "Split of --data: test | train");
  required(flags->add("--output,-o", "/output", "Result JSON to write (atomically)"));
  flags->add("--images", "/images", "Folder for the PNGs; empty = the --output path without .json");
  flags->add("--layer", "/layer",
             "Layer whose activations Grad-CAM weighs (e.g. UNet: stem, encoder.N, bottleneck, decoder.N; TransUNet: "
             "resnet, transformer, decoder.head, decoder.N); empty = the model's last decoder block");
  flags->add("--class", "/class", "Foreground class to explain; empty = every foreground class, one entry each");
  cmd->add_option("--cases", *cases, "Case ids to explain, comma-separated or repeated (default: the first --num-cases)")
      ->delimiter(',');
  flags->add("--num-cases", "/num_cases", "Without --cases: explain the first N case ids in sorted order");
  flags->add("--overlay-style", "/overlay_style", "How masks are drawn on the overlays: fill | outline");
  flags->add("--min-image-size", "/min_image_size",
             "PNGs whose shorter side is below this are enlarged by an integer factor (nearest neighbour); 0 = never");
  flags->add("--batch-size", "/batch_size", "Slices per forward pass when predicting a case");
  flags->add("--threads", "/threads", "CPU threads for LibTorch; 0 = all cores");
  flags->add("--device", "/device", "cpu | cuda | cuda:N");
  cmd->callback([flags, cases] {
    json settings = flags->resolve();
    if (!cases->empty()) settings["cases"] = *cases;
    const ExplainConfig config = config_from_json<ExplainConfig>(settings, "explain settings");
    const json doc = run_explain(config);
    const auto num = [](const json& v) { return v.is_number() ? fmt::format("{:.4f}", v.get<double>()) : "–"; };
    const auto& e = doc["evaluations"][0];
    fmt::print("layer {}\n{:<24} {:<12} {:>5} {:>15} {:>8}\n", doc["layer"].get<std::string>(), "case", "class",
               "slice", "energy in mask", "DSC");
    for (const auto& c : e["cases"])
      fmt::print("{:<24} {:<12} {:>5} {:>15} {:>8}\n", c["id"].get<std::string>(), c["class"].get<std::string>(),
                 c["slice"].get<int64_t>(), num(c["energy_in_mask"]), num(c["dsc"]));
    fmt::print("mean energy in mask {}\n", num(e["summary"]["mean"].value("energy_in_mask", json())));
    if (!doc["images_folder"].is_string()) {
      fmt::print("wrote {} ({})\n", config.output, doc.value("images_note", ""));
      return;
    }
    const auto images = std::filesystem::path(config.output).parent_path() / doc["images_folder"].get<std::string>();
    fmt::print("wrote {} (images in {})\n", config.output, images.lexically_normal().string());
  });
}

}  // namespace

MIS_REGISTER_COMMAND(65, add_explain);

}  // namespace mis::cli

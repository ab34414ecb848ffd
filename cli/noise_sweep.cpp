#include <fmt/format.h>

#include "commands.h"
#include "checkpoint_flags.h"
#include "core/error.h"
#include "eval/noise_sweep.h"

namespace mis::cli {

namespace {

void add_noise_sweep(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "noise-sweep", "Evaluate a checkpoint on test data corrupted by each noise type at each level (paired, seeded)");
  auto flags = std::make_shared<ConfigFlags>(cmd, to_json(NoiseSweepConfig{}));
  flags->add_config_file_option();
  add_checkpoint_flags(*flags);
  required(flags->add("--data", "/data", "Dataset folder (nnU-Net v2 raw layout) whose cases are corrupted"));
  flags->add("--split", "/split", "Split of --data: test | train");
  flags->add_list("--types", "/types", "Comma-separated corruptions: gaussian,salt_pepper,speckle,poisson,blur,gamma",
                  ListItems::strings);
  flags->add_list("--levels", "/levels",
                  "Comma-separated levels, e.g. 0,0.05,0.1 (meaning per type: lib/eval/corruptions.h)",
                  ListItems::numbers);
  flags->add("--type-levels", "/type_levels",
             "JSON object of levels for particular types, replacing --levels for them, e.g. "
             "'{\"blur\":[0,0.5,1,2]}' (blur's level is a sigma in pixels, gamma's an exponent shift)");
  flags->add("--seed", "/seed", "Seed of the corruptions: the same seed gives every model identical inputs");
  required(flags->add("--output,-o", "/output", "Result JSON to write (atomically)"));
  flags->add("--batch-size", "/batch_size", "Slices per forward pass");
  flags->add("--compat", "/convention", "Empty-mask convention: nnunet | transunet");
  flags->add("--hd95", "/hd95", "HD95 definition: medpy | monai | off");
  flags->add("--threads", "/threads", "CPU threads for LibTorch; 0 = all cores");
  flags->add("--device", "/device", "cpu | cuda | cuda:N");
  cmd->callback([flags] {
    const NoiseSweepConfig config = config_from_json<NoiseSweepConfig>(flags->resolve(), "noise-sweep settings");
    const json doc = run_noise_sweep(config);
    fmt::print("{:<12} {:>8} {:>8} {:>8} {:>10} {:>8}\n", "type", "level", "DSC %", "IoU %", "HD95 mm", "ECE");
    for (const auto& e : doc["evaluations"]) {
      const auto& mean = e["summary"]["mean"];
      const auto num = [](const json& v, double scale, int precision) {
        return v.is_number() ? fmt::format("{:.{}f}", scale * v.get<double>(), precision) : std::string("–");
      };
      fmt::print("{:<12} {:>8} {:>8} {:>8} {:>10} {:>8}\n", e["noise"]["type"].get<std::string>(),
                 e["noise"]["level"].get<double>(), num(mean.value("dsc", json()), 100, 2),
                 num(mean.value("iou", json()), 100, 2), num(mean.value("hd95", json()), 1, 2),
                 num(e["calibration"]["ece"], 1, 4));
    }
    fmt::print("wrote {}\n", config.output);
  });
}

}  // namespace

MIS_REGISTER_COMMAND(50, add_noise_sweep);

}  // namespace mis::cli

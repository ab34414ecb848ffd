#include <fmt/format.h>

#include "commands.h"
#include "checkpoint_flags.h"
#include "eval/calibrate.h"

namespace mis::cli {

namespace {

std::string show(const json& v, double scale = 1.0) {
  return v.is_number() ? fmt::format("{:.4f}", scale * v.get<double>()) : "–";
}

void add_calibrate(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "calibrate", "Pixel-wise calibration (ECE, MCE, Brier, NLL, reliability bins) on IID and OOD data, with optional "
                   "temperature scaling");
  auto flags = std::make_shared<ConfigFlags>(cmd, to_json(CalibrateConfig{}));
  auto ood = std::make_shared<std::vector<std::string>>();
  flags->add_config_file_option();
  add_checkpoint_flags(*flags);
  flags->add("--data", "/data", "In-distribution dataset folder (nnU-Net v2 raw layout)");
  flags->add("--split", "/split", "Split of --data to measure: test | train");
  cmd->add_option("--ood", *ood, "Out-of-distribution dataset folders (their test split); repeatable")
      ->type_name("PATH ...");
  flags->add("--temperature-split", "/temperature_split",
             "Fit a temperature on this split of --data (train | test) and report before/after; empty = no scaling");
  flags->add("--temperature-pixels", "/temperature_pixels", "Pixels (a seeded sample) the temperature is fitted on");
  flags->add("--seed", "/seed", "Seed of the pixel sample for the temperature fit");
  required(flags->add("--output,-o", "/output", "Result JSON to write (atomically)"));
  flags->add("--batch-size", "/batch_size", "Slices per forward pass");
  flags->add("--threads", "/threads", "CPU threads for LibTorch; 0 = all cores");
  flags->add("--device", "/device", "cpu | cuda | cuda:N");
  cmd->callback([flags, ood] {
    json settings = flags->resolve();
    if (!ood->empty()) settings["ood"] = *ood;
    const CalibrateConfig config = config_from_json<CalibrateConfig>(settings, "calibrate settings");
    const json doc = run_calibrate(config);
    for (const auto& e : doc["evaluations"]) {
      const auto& c = e["calibration"];
      fmt::print("{:4} {:<24} ECE {}  MCE {}  Brier {}  NLL {}", e["role"].get<std::string>(),
                 e["dataset"]["name"].get<std::string>(), show(c["ece"]), show(c["mce"]), show(c["brier"]),
                 show(c["nll"]));
      if (e.contains("calibration_temperature_scaled")) {
        const auto& s = e["calibration_temperature_scaled"];
        fmt::print("  | T={:.3f}: ECE {}  MCE {}  Brier {}  NLL {}", s["temperature"].get<double>(), show(s["ece"]),
                   show(s["mce"]), show(s["brier"]), show(s["nll"]));
      }
      fmt::print("\n");
    }
    fmt::print("wrote {}\n", config.output);
  });
}

}  // namespace

MIS_REGISTER_COMMAND(60, add_calibrate);

}  // namespace mis::cli

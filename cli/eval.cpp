#include <fmt/format.h>

#include "commands.h"
#include "checkpoint_flags.h"
#include "eval/evaluator.h"

namespace mis::cli {

namespace {

void add_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Evaluate a checkpoint per volume on IID and out-of-distribution data");
  auto flags = std::make_shared<ConfigFlags>(cmd, to_json(EvalConfig{}));
  auto ood = std::make_shared<std::vector<std::string>>();
  flags->add_config_file_option();
  add_checkpoint_flags(*flags);
  flags->add("--data", "/data", "In-distribution dataset folder (nnU-Net v2 raw layout)");
  flags->add("--split", "/split", "Split of --data to evaluate: test | train");
  cmd->add_option("--ood", *ood, "Out-of-distribution dataset folders (their test split); repeatable")
      ->type_name("PATH ...");
  required(flags->add("--output,-o", "/output", "Result JSON to write (atomically)"));
  flags->add("--batch-size", "/batch_size", "Slices per forward pass");
  flags->add("--compat", "/convention",
             "Empty-mask convention: nnunet (both empty = null) | transunet (TransUNet's published rule)");
  flags->add("--hd95", "/hd95",
             "HD95 definition: medpy (pooled 95th percentile, TransUNet's) | monai (max of the directed 95th "
             "percentiles) | off");
  flags->add("--save-predictions", "/save_predictions",
             "Folder for the predicted label maps: <role>-<dataset>/<case>.nii.gz (volumes) or .png (2-D images), "
             "in each case's geometry, readable by score");
  flags->add_switch("--save-probabilities", "/save_probabilities",
                    "Also write each class's softmax probability map as float NIfTI into "
                    "<role>-<dataset>-probabilities/ (needs --save-predictions)");
  flags->add("--threads", "/threads", "CPU threads for LibTorch; 0 = all cores");
  flags->add("--device", "/device", "cpu | cuda | cuda:N");
  cmd->callback([flags, ood] {
    json settings = flags->resolve();
    if (!ood->empty()) settings["ood"] = *ood;
    const EvalConfig config = config_from_json<EvalConfig>(settings, "eval settings");
    const json doc = run_eval(config);
    for (const auto& e : doc["evaluations"]) {
      const auto& mean = e["summary"]["mean"];
      const json hd95 = mean.value("hd95", json());
      const json ece = e.contains("calibration") ? e["calibration"].value("ece", json()) : json();
      fmt::print("{:4} {:<24} DSC {:6.2f}%  IoU {:6.2f}%{}{}  ({} cases)\n", e["role"].get<std::string>(),
                 e["dataset"]["name"].get<std::string>(), 100 * mean.value("dsc", 0.0), 100 * mean.value("iou", 0.0),
                 hd95.is_number() ? fmt::format("  HD95 {:.2f} mm", hd95.get<double>()) : "",
                 ece.is_number() ? fmt::format("  ECE {:.4f}", ece.get<double>()) : "", e["dataset"]["cases"].get<int>());
    }
    fmt::print("wrote {}\n", config.output);
  });
}

}  // namespace

MIS_REGISTER_COMMAND(40, add_eval);

}  // namespace mis::cli

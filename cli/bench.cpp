#include <cstdio>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "bench/bench.h"
#include "commands.h"
#include "config_flags.h"
#include "core/error.h"
#include "core/json.h"

namespace mis::cli {

namespace {

void add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "bench", "Training-step and inference throughput of a model on this machine, against its measured peak rates");
  auto flags = std::make_shared<ConfigFlags>(cmd, to_json(BenchConfig{}));
  auto json_out = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  flags->add_config_file_option();
  flags->add("--model", "/model/name", "Model preset (see model-info)");
  flags->add("--model-options", "/model/options", "JSON object overriding preset options");
  flags->add("--channels", "/in_channels", "Input channels");
  flags->add("--classes", "/num_classes", "Output classes, background included");
  flags->add("--size", "/size", "Square input size in pixels");
  flags->add("--batch-size", "/batch_size", "Images per step");
  flags->add("--warmup", "/warmup", "Untimed steps before the timed ones");
  flags->add("--steps", "/steps", "Timed training steps (and inference batches, data batches, loss runs)");
  flags->add("--precision", "/precision", "fp32 | bf16 (bfloat16 autocast)");
  flags->add_switch("--no-channels-last", "/channels_last",
                    "Time NCHW tensors instead of train's default NHWC (channels-last) memory format", false);
  flags->add_switch("--no-prefetch", "/prefetch", "Assemble each batch inside the step instead of on another thread",
                    false);
  flags->add_switch("--no-peak", "/measure_peak", "Skip measuring the machine's matmul and convolution rates", false);
  flags->add("--lambda", "/loss/lambda", "Weight of the spectral loss in the objective");
  flags->add("--spectral-mode", "/loss/spectral_mode", "amplitude | complex | real-imag");
  flags->add("--threads", "/threads", "CPU threads for LibTorch; 0 = all cores");
  flags->add("--device", "/device", "cpu | cuda | cuda:N");
  flags->add("--seed", "/seed", "Seed for the weights and the synthetic batches");
  flags->add_switch("--profile", "/profile",
                    "Also run one training step and one inference batch under LibTorch's profiler and report each "
                    "operator's self and total time (the 30 largest; JSON 'profile', with --json or --json-out)",
                    true);
  cmd->add_option("--json-out", *json_out, "Also write the report as JSON to this file")->type_name("PATH");
  cmd->add_flag("--json", *as_json, "Print JSON instead of the table");
  auto paced = std::make_shared<bool>(false);
  cmd->add_flag("--paced", *paced,
                "Before each training step print 'ready N' and wait for a line on stdin; after the last, print "
                "'ready <warmup+steps>' and wait for a line or the end of stdin before the rest of the bench. "
                "scripts/bench_pair.py uses it to alternate these steps with the Python reference's, so that both "
                "are timed on the same machine state and neither's later work overlaps the other's last step");
  cmd->callback([flags, json_out, as_json, paced] {
    const BenchConfig config = config_from_json<BenchConfig>(flags->resolve(), "bench settings");
    std::function<void(int64_t)> pace;
    if (*paced)
      pace = [total = config.warmup + config.steps](int64_t step) {
        fmt::print("ready {}\n", step);
        std::fflush(stdout);
        std::string go;
        // After the last step too: the inference timing that follows must not run beside the
        // other program's last step. There the end of stdin is the signal to go on.
        if (!std::getline(std::cin, go) && step < total)
          throw UserError("bench --paced: stdin closed before step " + std::to_string(step));
      };
    const json report = run_bench(
        config, [](const std::string& line) { fmt::print(stderr, "bench: {}\n", line); }, pace);
    if (!json_out->empty()) write_json_atomic(*json_out, report);
    if (*as_json) fmt::print("{}\n", report.dump(2));
    else fmt::print("{}", format_bench(report));
  });
}

}  // namespace

MIS_REGISTER_COMMAND(100, add_bench);

}  // namespace mis::cli

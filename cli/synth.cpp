#include <fmt/format.h>

#include "commands.h"
#include "config_flags.h"
#include "data/synth/synth_dataset.h"
#include "data/volume_io.h"

namespace mis::cli {

namespace {

void add_synth(CLI::App& app) {
  auto* cmd = app.add_subcommand("synth", "Write the synthetic domain-shift benchmark (cardiac-like phantoms, "
                                          "several scanner domains) as nnU-Net v2 raw datasets");
  auto flags = std::make_shared<ConfigFlags>(cmd, to_json(SynthConfig{}));
  flags->add_config_file_option();
  required(flags->add("--output,-o", "/output", "Output folder (one sub-folder per domain; replaced atomically when done)"));
  flags->add("--cases", "/train_cases", "Training cases (source domain)");
  flags->add("--test-cases", "/test_cases", "Test cases per domain");
  flags->add("--size", "/size", "In-plane size in pixels");
  flags->add("--slices", "/slices", "Slices per volume");
  flags->add("--classes", "/classes", "Foreground classes: 3 = RV, MYO, LV; 2 = MYO, LV; 1 = LV");
  flags->add("--domains", "/domains", "Domains to write: the source plus N-1 out-of-distribution scanners");
  flags->add("--seed", "/seed", "Seed; the same seed writes byte-identical files");
  cmd->callback([flags] {
    const SynthConfig config = config_from_json<SynthConfig>(flags->resolve(), "synth settings");
    const int64_t cases = write_synthetic_benchmark(config);
    fmt::print("wrote {} cases to {} ({})\n", cases, config.output,
               volume_io_available() ? "NIfTI and LibTorch packs" : "LibTorch packs; this build has no ITK for NIfTI");
  });
}

}  // namespace

MIS_REGISTER_COMMAND(10, add_synth);

}  // namespace mis::cli

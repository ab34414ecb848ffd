#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (in fmt/format.h before fmt 11)

#include "commands.h"
#include "config_flags.h"
#include "core/error.h"
#include "core/runtime.h"
#include "preprocess/pipeline.h"

namespace mis::cli {

namespace {

std::string dataset_list() { return fmt::format("{}", fmt::join(preprocess_dataset_names(), ", ")); }

void add_preprocess(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "preprocess",
      "Turn a downloaded dataset (its published layout) into a processed nnU-Net v2 raw dataset with manifest.json, "
      "ready for train and eval. Volumes are reoriented (ITK RAI) and windowed/normalised; 2-D images resized. "
      "datasets/<name>/README.md gives each layout, split and label map");
  auto flags = std::make_shared<ConfigFlags>(cmd, to_json(PreprocessConfig{}));
  flags->add_config_file_option();
  required(flags->add("--dataset,-d", "/dataset", "Layout to read: " + dataset_list()));
  required(flags->add("--input,-i", "/input", "The raw dataset folder (as unpacked from the download)"));
  required(flags->add("--output,-o", "/output",
                      "Output folder (an nnU-Net v2 raw dataset; replaced atomically when done; OUT.partial keeps finished "
                      "cases of an interrupted run)"));
  flags->add("--size", "/size", "2-D images are resized to SIZE x SIZE (0 = native size)");
  flags->add("--resize", "/resize",
             "2-D images: stretch (each axis to SIZE, as the paper datasets' pipelines) | pad (aspect ratio kept, the "
             "shorter side padded to SIZE; predict crops back)");
  flags->add("--volume-size", "/volume_size",
             "Volumes: resample each slice to N x N (0 = keep the native in-plane grid; train/eval resize slices)");
  flags->add_list("--spacing", "/spacing", "Volumes: target spacing x,y,z in mm, 0 keeps an axis (e.g. 1.5,1.5,0)",
                  ListItems::numbers);
  flags->add("--interpolation", "/interpolation", "Image interpolation: linear or bspline (labels: nearest)");
  flags->add_switch("--no-antialias", "/antialias", "Do not smooth images before downsampling", false);
  flags->add_switch("--no-reorient", "/reorient", "Keep volumes in their stored orientation", false);
  flags->add("--intensity", "/intensity",
             "auto, ct-window, percentile-minmax, percentile-zscore, unit-range or none (auto: the dataset's protocol)");
  flags->add_list("--ct-window", "/ct_window", "CT window in HU as LOW,HIGH (write --ct-window=-125,275)",
                  ListItems::numbers, ',', 2);
  flags->add_list("--percentiles", "/percentiles", "MRI clipping percentiles LOW,HIGH", ListItems::numbers, ',', 2);
  flags->add("--color", "/color", "2-D images: auto, rgb or grey");
  flags->add("--mask-threshold", "/mask_threshold", "JPEG masks: foreground when value > threshold");
  flags->add("--polygon-rule", "/polygon_rule", "MoNuSeg outlines: even-odd or nonzero");
  flags->add("--seed", "/seed", "Seed of the split for datasets without an official one");
  flags->add("--val-fraction", "/val_fraction", "Share of cases (or patients) for validation (splits.json)");
  flags->add("--test-fraction", "/test_fraction", "Share for the test split, where the dataset has no official one");
  flags->add("--threads", "/threads", "Worker threads over cases (0 = every core)");
  cmd->callback([flags] {
    const PreprocessConfig config = config_from_json<PreprocessConfig>(flags->resolve(), "preprocess settings");
    configure_threads(1);  // parallelism comes from the pool of workers over cases
    const PreprocessResult r = run_preprocess(config);
    fmt::print("wrote {} cases ({} reused from an interrupted run) to {}\n", r.cases, r.reused, r.output.string());
    for (const auto& folder : r.folders)
      if (!folder.empty()) fmt::print("  {}/{}\n", r.output.string(), folder);
  });
}

}  // namespace

MIS_REGISTER_COMMAND(20, add_preprocess);

}  // namespace mis::cli

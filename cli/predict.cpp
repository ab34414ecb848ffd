#include <fmt/format.h>

#include "commands.h"
#include "checkpoint_flags.h"
#include "eval/predict.h"

namespace mis::cli {

namespace {

void add_predict(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "predict", "Segment new, unlabelled images with a checkpoint; label maps come back in each image's own geometry");
  auto flags = std::make_shared<ConfigFlags>(cmd, to_json(PredictConfig{}));
  flags->add_config_file_option();
  add_checkpoint_flags(*flags);
  required(flags->add("--input,-i", "/input",
                      "Images to segment: a folder (ID_0000, ID_0001, ... are the channels of case ID; other files are one "
                      "case each), one image file, or a dataset folder (its imagesTs). NIfTI, NRRD, MHA, PNG, JPEG, TIFF, BMP"));
  required(flags->add("--output,-o", "/output",
                      "Folder for <case>.nii.gz (volumes) or <case>.png (2-D images) and predict.json; an interrupted run "
                      "resumes in it"));
  flags->add_switch("--tta", "/tta", "Mirroring test-time augmentation: average over x, y and xy flips (4x the work)");
  flags->add_switch("--save-probabilities", "/save_probabilities",
                    "Also write each class's softmax map as float NIfTI into OUTPUT/probabilities/");
  flags->add("--batch-size", "/batch_size", "Slices per forward pass");
  flags->add("--precision", "/precision", "checkpoint (as trained) | fp32 | bf16");
  flags->add("--threads", "/threads", "CPU threads for LibTorch; 0 = all cores");
  flags->add("--device", "/device", "cpu | cuda | cuda:N");
  cmd->callback([flags] {
    const PredictConfig config = config_from_json<PredictConfig>(flags->resolve(), "predict settings");
    const json summary = run_predict(config);
    const auto cases = summary["cases"].size();
    const auto reused = summary["reused"].get<int64_t>();
    fmt::print("predicted {} case(s){} in {:.1f}s into {}\n", cases - static_cast<std::size_t>(reused),
               reused > 0 ? fmt::format(" ({} done before)", reused) : "", summary["seconds"].get<double>(),
               config.output);
  });
}

}  // namespace

MIS_REGISTER_COMMAND(45, add_predict);

}  // namespace mis::cli

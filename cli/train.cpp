#include <fmt/format.h>

#include "commands.h"
#include "config_flags.h"
#include "core/error.h"
#include "train/trainer.h"
#include "stop_signal.h"

namespace mis::cli {

namespace {

// Each transform on its own (lib/data/augment.h). Defaults: TransUNet's spatial recipe, no
// intensity transform; the values nnU-Net v2 uses are named in each description.
void add_augment_flags(ConfigFlags& flags) {
  const auto range = [&flags](const std::string& name, const std::string& pointer, const std::string& what) {
    flags.add_list(name, pointer, what, ListItems::numbers, ':', 2);
  };
  flags.add_switch("--no-augment", "/augment/enabled", "Disable all augmentation (every setting below)", false);
  flags.add("--rot90", "/augment/rot90", "Rotate by a random multiple of 90 degrees: true | false");
  flags.add("--mirror-x", "/augment/mirror_x",
            "Flip left-right (along x) with probability 0.5: true | false (swaps left and right organs)");
  flags.add("--mirror-y", "/augment/mirror_y", "Flip up-down (along y) with probability 0.5 (nnU-Net: true)");
  flags.add("--p-affine", "/augment/p_affine", "Probability of a random rotation + scaling");
  flags.add("--max-rotation-deg", "/augment/max_rotation_deg", "Rotation drawn from [-D, D] degrees");
  flags.add("--max-scale-delta", "/augment/max_scale_delta", "Scale drawn from [1-D, 1+D]");
  flags.add("--brightness-p", "/augment/brightness_p",
            "Probability of a brightness multiplier per channel (nnU-Net: 0.15)");
  range("--brightness-range", "/augment/brightness_range", "Brightness multiplier range LOW:HIGH");
  flags.add("--contrast-p", "/augment/contrast_p", "Probability of a contrast change about the mean (nnU-Net: 0.15)");
  range("--contrast-range", "/augment/contrast_range", "Contrast factor range LOW:HIGH");
  flags.add("--gamma-p", "/augment/gamma_p", "Probability of a gamma change, mean and std kept (nnU-Net: 0.3)");
  flags.add("--gamma-inverted-p", "/augment/gamma_inverted_p",
            "Probability of a gamma change of the inverted image (nnU-Net: 0.1)");
  range("--gamma-range", "/augment/gamma_range", "Gamma range LOW:HIGH");
  flags.add("--noise-p", "/augment/noise_p", "Probability of additive Gaussian noise (nnU-Net: 0.1)");
  range("--noise-std", "/augment/noise_std", "Range LOW:HIGH of the noise's standard deviation");
  flags.add("--blur-p", "/augment/blur_p", "Probability of a Gaussian blur (nnU-Net: 0.2)");
  range("--blur-sigma", "/augment/blur_sigma", "Blur sigma range LOW:HIGH in pixels, drawn per axis");
  flags.add("--blur-p-per-channel", "/augment/blur_p_per_channel",
            "Probability that a blurred sample's channel is blurred");
}

void add_train(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a segmentation model (spatial or spatial+spectral objective)");
  auto flags = std::make_shared<ConfigFlags>(cmd, to_json(TrainConfig{}));
  auto resume = std::make_shared<bool>(false);
  auto stop_after = std::make_shared<int64_t>(0);
  flags->add_config_file_option(upgrade_legacy_train_settings);
  required(flags->add("--data", "/data", "Training dataset folder (nnU-Net v2 raw layout, e.g. written by synth)"));
  flags->add("--split", "/split", "Split of --data to train on: train | test");
  required(flags->add("--output,-o", "/output", "Run folder: checkpoint.pt, train_log.jsonl, config.json, train_summary.json"));
  flags->add("--model", "/model/name", "Architecture preset (see model-info): unet | unet-small | transunet | transunet-vit | transunet-small");
  flags->add("--model-options", "/model/options", "JSON object overriding preset options, e.g. '{\"base_width\":32}'");
  flags->add("--lambda", "/loss/lambda", "Weight of the spectral loss; 0 trains spatial-only");
  flags->add("--spectral-mode", "/loss/spectral_mode", "amplitude | complex | real-imag (docs/method.md section 1)");
  flags->add("--spectral-band", "/loss/spectral_band",
             "Radial band LOW:HIGH as fractions of Nyquist (e.g. 0.1:0.5), or none for all frequencies",
             [](const std::string& text) -> json {
               return text == "none" ? json(nullptr) : parse_list(text, "--spectral-band", ListItems::numbers, ':', 2);
             });
  flags->add_switch("--spectral-include-background", "/loss/spectral_include_background",
                    "Include the background class in the spectral term");
  flags->add("--w-ce", "/loss/w_ce", "Weight of cross-entropy in the spatial loss");
  flags->add("--w-dice", "/loss/w_dice", "Weight of soft Dice in the spatial loss");
  flags->add("--optimizer", "/optimizer/name", "sgd (momentum, poly decay, as TransUNet) | adamw");
  flags->add("--lr", "/optimizer/lr", "Initial learning rate");
  flags->add("--momentum", "/optimizer/momentum", "SGD momentum");
  flags->add("--weight-decay", "/optimizer/weight_decay", "Weight decay");
  flags->add("--iterations", "/iterations", "Training steps (takes precedence over --epochs)");
  flags->add("--epochs", "/epochs", "Passes over all training slices (used when --iterations is 0)");
  flags->add("--batch-size", "/batch_size", "Slices per step");
  flags->add("--patch-size", "/patch_size", "Resize slices to this square size; 0 keeps the native size");
  flags->add("--normalization", "/normalization", "Per-volume intensity normalisation: zscore | minmax | none");
  add_augment_flags(*flags);
  flags->add("--val-split", "/validation/split",
             "Validate during training on fold 0's 'val' cases of the data's splits.json (preprocess writes it): val | "
             "\"\" (off); they are left out of training, and checkpoint_best.pt keeps the best validation DSC");
  flags->add("--val-fraction", "/validation/fraction",
             "Instead of --val-split: hold out this seeded fraction of the training cases for validation (0 = off)");
  flags->add("--val-every", "/validation/every", "Validate every N steps; 0 = at every checkpoint");
  flags->add("--val-slices", "/validation/slices",
             "Validation scores this fixed, evenly spaced subset of the validation slices");
  flags->add("--seed", "/seed", "Seed for weights, batches and augmentation");
  flags->add("--checkpoint-every", "/checkpoint_every", "Write checkpoint.pt every N steps (and at the end)");
  flags->add("--log-every", "/log_every", "Append a line to train_log.jsonl every N steps");
  flags->add("--threads", "/threads", "CPU threads for LibTorch; 0 = all cores");
  flags->add("--device", "/device", "cpu | cuda | cuda:N");
  flags->add("--precision", "/precision",
             "fp32 | bf16 (bfloat16 autocast; fast on CPUs with AMX or AVX512_BF16 and on CUDA)");
  flags->add_switch("--no-channels-last", "/channels_last",
                    "Keep NCHW tensors instead of the default NHWC (channels-last) memory format", false);
  cmd->add_flag("--resume", *resume, "Continue the run in --output from its last checkpoint (starts fresh if none)");
  // Not a setting of the run (it changes no result, so it is not in config.json): a job with a
  // wall-clock limit (a SLURM partition's) trains in slices, each continuing with --resume.
  cmd->add_option("--stop-after", *stop_after,
                  "End this invocation after step N with a checkpoint (for time-limited jobs); continue with --resume. "
                  "0 = train to the end")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([flags, resume, stop_after] {
    const TrainConfig config = train_config_from_json(flags->resolve(), "train settings");
    catch_stop_signals();
    const int64_t stop_at = *stop_after;
    const TrainOutcome out = train(config, *resume, [stop_at](int64_t step) {
      return stop_requested() || (stop_at > 0 && step >= stop_at);
    });
    if (out.interrupted && !stop_requested()) {
      fmt::print("stopped after step {} as asked (--stop-after); checkpoint {}; continue with --resume\n", out.steps,
                 out.checkpoint.string());
      return;
    }
    if (out.interrupted)
      throw UserError(fmt::format("interrupted after step {}; the checkpoint in {} is saved, continue with --resume",
                                  out.steps, config.output));
    if (out.already_complete) {
      fmt::print("{}: already complete ({} steps); nothing to do\n", config.output, out.steps);
      return;
    }
    fmt::print("trained {} steps{} in {:.1f}s, final loss {:.4f}; checkpoint {}\n", out.steps - out.resumed_from,
               out.resumed_from ? fmt::format(" (resumed at step {})", out.resumed_from) : "", out.seconds,
               out.final_loss, out.checkpoint.string());
  });
}

}  // namespace

MIS_REGISTER_COMMAND(30, add_train);

}  // namespace mis::cli

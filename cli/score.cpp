#include <fmt/format.h>

#include "commands.h"
#include "config_flags.h"
#include "eval/score.h"

namespace mis::cli {

namespace {

void add_score(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "score", "Score predicted label maps of any tool against references (per case and mean, like nnU-Net's evaluator)");
  auto flags = std::make_shared<ConfigFlags>(cmd, to_json(ScoreConfig{}));
  flags->add_config_file_option();
  required(flags->add("--pred", "/pred", "Folder of predicted label maps (NIfTI or PNG), matched to --ref by case file name"));
  required(flags->add("--ref", "/ref", "Folder of reference label maps"));
  flags->add("--labels", "/labels",
             "dataset.json naming the labels (or its folder); default: one beside --ref or in --pred, else the "
             "label values found in the references");
  required(flags->add("--output,-o", "/output", "Result JSON to write (atomically); a Markdown summary goes beside it (.md)"));
  flags->add("--compat", "/convention",
             "Empty-mask convention: nnunet (both empty = null, HD95 in mm) | transunet (TransUNet's published rule, "
             "HD95 in voxels)");
  flags->add("--hd95", "/hd95", "HD95 definition: medpy (pooled 95th percentile, TransUNet's) | monai (max of the "
                                "directed 95th percentiles) | off");
  flags->add_switch("--no-geometry-check", "/check_geometry",
                    "Only require equal sizes; accept different spacing/origin/direction headers", false);
  flags->add("--threads", "/threads", "CPU threads for LibTorch; 0 = all cores");
  cmd->callback([flags] {
    const ScoreConfig config = config_from_json<ScoreConfig>(flags->resolve(), "score settings");
    const json doc = run_score(config);
    fmt::print("{}\nwrote {} and {}\n", score_markdown(doc), config.output, markdown_path_for(config.output));
  });
}

}  // namespace

MIS_REGISTER_COMMAND(70, add_score);

}  // namespace mis::cli

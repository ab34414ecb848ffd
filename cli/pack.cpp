#include <fmt/format.h>

#include "commands.h"
#include "core/json.h"
#include "data/pack.h"

namespace mis::cli {

namespace {

void add_pack(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "pack", "Write the LibTorch pack (FOLDER/pack) of a dataset folder, and of every dataset folder below it, "
              "so that a build without ITK can train and evaluate on it (synth and preprocess write packs themselves)");
  auto folder = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("FOLDER", *folder, "A dataset folder in nnU-Net v2 raw layout, or a folder holding several")
      ->type_name("PATH")
      ->required();
  cmd->add_flag("--json", *as_json, "Print the packs written as a JSON list");
  cmd->callback([folder, as_json] {
    const auto packs = pack_folders(*folder);
    if (*as_json) {
      json list = json::array();
      for (const auto& p : packs) list.push_back(p.string());
      fmt::print("{}\n", list.dump(2));
      return;
    }
    for (const auto& p : packs) fmt::print("packed {}\n", p.string());
  });
}

}  // namespace

MIS_REGISTER_COMMAND(25, add_pack);

}  // namespace mis::cli

#include <fmt/format.h>

#include "commands.h"
#include "core/files.h"
#include "report/report.h"

namespace mis::cli {

namespace {

void add_report(CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "Tables comparing spatial-only and spatial+spectral runs from result files");
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("results", *inputs, "Result JSON files, or folders searched for them")->required();
  cmd->add_option("--out,-o", *out, "Also write the Markdown report to this file");
  cmd->callback([inputs, out] {
    std::vector<std::filesystem::path> paths(inputs->begin(), inputs->end());
    const std::string md = markdown_report(load_results(paths));
    if (!out->empty()) write_text_atomic(*out, md);
    fmt::print("{}", md);
  });
}

}  // namespace

MIS_REGISTER_COMMAND(90, add_report);

}  // namespace mis::cli

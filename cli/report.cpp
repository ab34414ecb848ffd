#include <fmt/format.h>

#include "commands.h"
#include "core/files.h"
#include "report/figure_render.h"
#include "report/report.h"
#include "report/runs.h"
#include "report/table_writers.h"

namespace mis::cli {

namespace {

void add_report(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "report", "The paper's tables and figures (Markdown, LaTeX, CSV, SVG/PDF/PNG, index.html) from results folders");
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto title = std::make_shared<std::string>();
  cmd->add_option("results", *inputs,
                  "Results folders (runs/<id>/run.json and result files, searched recursively) or result JSON files")
      ->type_name("PATH ...")
      ->required();
  cmd->add_option("--out,-o", *out,
                  "Report folder to write, outside the results (inside is fine); an earlier report there is replaced atomically, "
                  "any other non-empty folder is refused. A path ending in .md writes only the Markdown report")
      ->type_name("PATH");
  cmd->add_option("--title", *title, "Report title (default: the experiment's name, else \"mis-spectral report\")");
  cmd->callback([inputs, out, title] {
    const std::vector<std::filesystem::path> paths(inputs->begin(), inputs->end());
    std::string name = *title;
    if (name.empty()) name = experiment_name(paths);
    if (name.empty()) name = "mis-spectral report";
    const ReportContent report = build_report(load_runs(paths), name);
    if (out->size() > 3 && out->compare(out->size() - 3, 3, ".md") == 0) write_text_atomic(*out, markdown_report(report));
    else if (!out->empty()) {
      write_report(report, *out, paths);
      if (!figure_rendering_available()) fmt::print(stderr, "report: {}\n", kNoFigureRendering);
    }
    fmt::print("{}", to_markdown(report.tables.front()));
    if (!out->empty()) fmt::print("\nreport written to {}\n", *out);
  });
}

}  // namespace

MIS_REGISTER_COMMAND(90, add_report);

}  // namespace mis::cli

#include "report/report.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "report/figure_render.h"
#include "report/latex.h"
#include "report/table_writers.h"

namespace mis {

namespace fs = std::filesystem;

std::string markdown_report(const ReportContent& r) {
  std::string md = "# " + r.title + "\n\n";
  for (std::size_t i = 0; i < r.tables.size(); ++i) {
    const Table& t = r.tables[i];
    md += to_markdown(t) + "\n";
    for (const auto& f : r.figures)
      if (f.section == t.id) md += fmt::format("![{}]({})\n\n", f.title, f.file);
  }
  if (!r.gallery.empty()) {
    md += "### Grad-CAM\n\n";
    for (const auto& g : r.gallery) {
      md += "**" + g.title + "**\n\n";
      for (const auto& im : g.images) md += fmt::format("![{}]({}) ", im.caption, im.file);
      md += "\n\n";
    }
  }
  return md;
}

json report_json(const ReportContent& r) {
  json tables = json::array(), figures = json::array(), images = json::array();
  for (const auto& t : r.tables) tables.push_back(to_json(t));
  const bool rendered = figure_rendering_available();
  for (const auto& f : r.figures) {
    json formats = {f.file};
    if (rendered)
      for (const char* ext : {".pdf", ".png"}) formats.push_back(fs::path(f.file).replace_extension(ext).generic_string());
    figures.push_back({{"file", f.file}, {"title", f.title}, {"section", f.section}, {"caption", f.caption},
                       {"formats", formats}});
  }
  for (const auto& g : r.gallery)
    for (const auto& im : g.images) images.push_back({{"file", im.file}, {"caption", im.caption}, {"run", g.title}});
  return {{"schema", kReportSchema}, {"schema_version", 1}, {"title", r.title},
          {"tables", tables},        {"figures", figures},  {"images", images}};
}

void write_report(const ReportContent& r, const fs::path& out_dir, const std::vector<fs::path>& inputs) {
  refuse_output_over_inputs(out_dir, inputs, "--out");
  for (const auto& g : r.gallery)
    for (const auto& im : g.images)
      if (!fs::is_regular_file(im.source))
        fail_file(im.source, "Grad-CAM image named by an explain result does not exist; rerun explain for that run");
  StagingDir staging(out_dir, "report", "--out");
  const fs::path root = staging.path();
  fs::create_directories(root / "tables");
  fs::create_directories(root / "figures");
  write_text_atomic(root / "report.md", markdown_report(r));
  const bool rendered = figure_rendering_available();
  write_text_atomic(root / "report_body.tex", latex_body(r, rendered));
  write_text_atomic(root / "report.tex", latex_document(r));
  write_json_atomic(root / "report.json", report_json(r));
  for (const auto& t : r.tables) write_text_atomic(root / "tables" / (t.id + ".csv"), to_csv(t));
  write_text_atomic(root / "cases.csv", r.case_csv);
  for (const auto& f : r.figures) {
    write_text_atomic(root / f.file, f.svg);
    if (rendered)
      render_svg_figure(f.svg, (root / f.file).replace_extension(".pdf"), (root / f.file).replace_extension(".png"));
  }
  for (const auto& g : r.gallery)
    for (const auto& im : g.images) {
      fs::create_directories((root / im.file).parent_path());
      std::error_code ec;
      fs::copy_file(im.source, root / im.file, fs::copy_options::overwrite_existing, ec);
      if (ec) fail_file(im.source, "cannot copy into the report: " + ec.message());
    }
  write_text_atomic(root / "index.html", html_report(r));
  staging.commit();
}

}  // namespace mis

// index.html of the report: one self-contained page (inline CSS, no scripts) that links the
// SVG figures and the copied Grad-CAM PNGs by relative paths, so the folder can be moved.
#include <fmt/format.h>

#include "report/report.h"
#include "report/table_writers.h"

namespace mis {

namespace {

constexpr const char* kStyle = R"(
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1400px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { margin-bottom: 0.3em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.pos { color: #1a7f37; } td.neg { color: #b42318; }
td.missing, td.failed { color: #999; font-style: italic; text-align: center; } td.failed { color: #b42318; }
p.note { font-size: 0.85em; color: #555; max-width: 70em; } p.files { font-size: 0.8em; margin: 0; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
.figures figure { margin: 0; } .figures img { width: 520px; max-width: 100%; border: 1px solid #eee; }
.gallery { display: flex; flex-wrap: wrap; gap: 0.6em; }
.gallery figure { margin: 0; width: 180px; font-size: 0.75em; } .gallery img { width: 180px; image-rendering: pixelated; }
figcaption { color: #555; }
)";

std::string figures_html(const ReportContent& r, const std::string& section) {
  std::string h;
  for (const auto& f : r.figures)
    if (f.section == section)
      h += fmt::format("<figure><img src=\"{0}\" alt=\"{1}\"><figcaption><a href=\"{0}\">{1}</a>{2}</figcaption></figure>\n",
                       html_escape(f.file), html_escape(f.title), f.caption.empty() ? "" : ". " + html_escape(f.caption));
  return h.empty() ? h : "<div class=\"figures\">\n" + h + "</div>\n";
}

}  // namespace

std::string html_report(const ReportContent& r) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                  html_escape(r.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  h += "<h1>" + html_escape(r.title) + "</h1>\n";
  h += "<p class=\"files\">Also as <a href=\"report.md\">Markdown</a>, <a href=\"report.tex\">LaTeX</a> and "
       "<a href=\"report.json\">JSON</a>; every per-case number in <a href=\"cases.csv\">cases.csv</a>.</p>\n<nav>";
  for (const auto& t : r.tables) h += "<a href=\"#" + html_escape(t.id) + "\">" + html_escape(t.title) + "</a> ";
  if (!r.gallery.empty()) h += "<a href=\"#gradcam\">Grad-CAM images</a>";
  h += "</nav>\n";
  for (const auto& t : r.tables) {
    h += to_html(t);
    h += figures_html(r, t.id);
  }
  if (!r.gallery.empty()) {
    h += "<section id=\"gradcam\">\n<h3>Grad-CAM images</h3>\n";
    for (const auto& g : r.gallery) {
      h += "<h4>" + html_escape(g.title) + "</h4>\n<div class=\"gallery\">\n";
      for (const auto& im : g.images)
        h += fmt::format("<figure><a href=\"{0}\"><img src=\"{0}\" alt=\"{1}\"></a><figcaption>{1}</figcaption></figure>\n",
                         html_escape(im.file), html_escape(im.caption));
      h += "</div>\n";
    }
    h += "</section>\n";
  }
  return h + "</body>\n</html>\n";
}

}  // namespace mis

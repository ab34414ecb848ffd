#pragma once
// The report's SVG figures rendered as PDF (for report.tex: pdflatex cannot include SVG) and
// PNG (for slides and viewers without SVG), with librsvg and cairo when the build found them
// (figure_render_rsvg.cpp); a build without them writes SVG only (figure_render_norsvg.cpp),
// and the LaTeX says so.
#include <filesystem>
#include <string>

namespace mis {

// Whether this build renders figures as PDF and PNG.
bool figure_rendering_available();

// One line for users of a build without librsvg/cairo: what is missing and how to get it.
constexpr const char* kNoFigureRendering =
    "figures written as SVG only: this build of mis-spectral lacks librsvg and cairo (install librsvg2-dev "
    "libcairo2-dev, scripts/install-deps.sh, and rebuild) so report.tex has no figures";

// Writes `pdf` (vector, 1 SVG px = 0.75 pt, i.e. 96 px per inch as CSS defines it) and `png`
// (2x the SVG's pixel size on white) from SVG text, each atomically. A figure librsvg cannot
// parse is an error naming `pdf`. Throws a UserError in a build without rendering.
void render_svg_figure(const std::string& svg, const std::filesystem::path& pdf, const std::filesystem::path& png);

}  // namespace mis

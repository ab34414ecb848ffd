// A build without librsvg/cairo: figures stay SVG (see figure_render.h).
#include "report/figure_render.h"

#include "core/error.h"

namespace mis {

bool figure_rendering_available() { return false; }

void render_svg_figure(const std::string&, const std::filesystem::path& pdf, const std::filesystem::path&) {
  fail_file(pdf, kNoFigureRendering);
}

}  // namespace mis

// SVG -> PDF and PNG with librsvg (rsvg_handle_render_document, librsvg >= 2.46) onto cairo
// surfaces, written to memory and then atomically to disk (core/files.h).
#include "report/figure_render.h"

#include <cmath>
#include <memory>

#include <cairo-pdf.h>
#include <cairo.h>
#include <librsvg/rsvg.h>

#include "core/error.h"
#include "core/files.h"

namespace mis {

namespace {

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct RsvgHandleDeleter {
  void operator()(RsvgHandle* h) const { g_object_unref(h); }
};
struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using Context = std::unique_ptr<cairo_t, ContextDeleter>;

// Draws the document into `surface` scaled to `width` x `height` (device units); a failure is an
// error naming `reported`.
void draw_svg(RsvgHandle* handle, cairo_surface_t* surface, double width, double height, bool white,
              const std::filesystem::path& reported) {
  const Context cr(cairo_create(surface));
  if (white) {
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
  }
  const RsvgRectangle viewport{0, 0, width, height};
  GError* error = nullptr;
  if (!rsvg_handle_render_document(handle, cr.get(), &viewport, &error)) {
    const std::string why = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    fail_file(reported, "librsvg cannot render this figure: " + why);
  }
  if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
    fail_file(reported, std::string("cairo: ") + cairo_status_to_string(cairo_status(cr.get())));
}

}  // namespace

bool figure_rendering_available() { return true; }

void render_svg_figure(const std::string& svg, const std::filesystem::path& pdf, const std::filesystem::path& png) {
  GError* error = nullptr;
  const std::unique_ptr<RsvgHandle, RsvgHandleDeleter> handle(
      rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &error));
  if (!handle) {
    const std::string why = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    fail_file(pdf, "librsvg cannot parse this figure's SVG: " + why);
  }
  double w = 0, h = 0;  // CSS pixels (the figures give width and height in px)
  if (!rsvg_handle_get_intrinsic_size_in_pixels(handle.get(), &w, &h) || w <= 0 || h <= 0)
    fail_file(pdf, "the figure's SVG has no width and height in pixels");

  std::string bytes;
  {
    // 96 CSS px per inch, 72 pt per inch (CSS Values and Units, absolute lengths).
    const Surface surface(cairo_pdf_surface_create_for_stream(append_to_string, &bytes, 0.75 * w, 0.75 * h));
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "mis-spectral report");
    draw_svg(handle.get(), surface.get(), 0.75 * w, 0.75 * h, false, pdf);
    cairo_surface_finish(surface.get());
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
      fail_file(pdf, std::string("cairo: ") + cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  write_text_atomic(pdf, bytes);  // byte-exact: the "text" is any bytes

  bytes.clear();
  {
    const int pw = static_cast<int>(std::lround(2 * w)), ph = static_cast<int>(std::lround(2 * h));
    const Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, pw, ph));
    draw_svg(handle.get(), surface.get(), pw, ph, true, png);
    cairo_surface_flush(surface.get());
    const cairo_status_t status = cairo_surface_write_to_png_stream(surface.get(), append_to_string, &bytes);
    if (status != CAIRO_STATUS_SUCCESS) fail_file(png, std::string("cairo: ") + cairo_status_to_string(status));
  }
  write_text_atomic(png, bytes);
}

}  // namespace mis

#pragma once
// Polygon rasterisation by scan lines, for annotations given as vertex lists (MoNuSeg's XML).
// No ITK class fills a polygon into an image, so this is written here and tested on polygons
// whose pixel sets are computed by hand (tests/unit/test_polygon_raster.cpp).
//
// Convention (the one of skimage.draw.polygon, which most MoNuSeg converters use): pixel
// (i, j) -- column i, row j, 0-based -- has its centre at the point (x = i, y = j), and it is
// inside when that centre is inside the polygon. Centres exactly on an edge follow the
// top-left rule: for each row, crossings are taken on edges with min(y0, y1) <= j < max(y0, y1)
// (horizontal edges never cross) and a span [xa, xb) covers the columns i with xa <= i < xb.
// A w x h axis-aligned rectangle with integer corners therefore covers exactly w * h pixels,
// and two polygons sharing an edge never both cover a pixel on it.
#include <cstdint>
#include <string>
#include <vector>

namespace mis {

struct Point2 {
  double x = 0.0;
  double y = 0.0;
};

using Polygon = std::vector<Point2>;  // vertices in order; closed implicitly (last -> first)

enum class FillRule {
  even_odd,  // inside when a ray crosses the outline an odd number of times
  nonzero,   // inside when the winding number is not zero (fills self-overlaps)
};

FillRule parse_fill_rule(const std::string& name);  // "even-odd" | "nonzero"
std::string to_string(FillRule rule);

// Sets mask[j * width + i] = value for every pixel inside `polygon`; pixels outside the
// width x height image are clipped. Polygons with fewer than 3 vertices cover nothing.
// Returns the number of pixels set (counting pixels that were already `value`).
int64_t rasterize_polygon(const Polygon& polygon, int64_t width, int64_t height, FillRule rule,
                          std::vector<std::uint8_t>& mask, std::uint8_t value = 1);

}  // namespace mis

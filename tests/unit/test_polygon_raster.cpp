// Tests of the scan-line polygon rasteriser and the ImageScope XML reader used for MoNuSeg.
// Every expected pixel set below is worked out by hand from the convention in
// polygon_raster.h: pixel (i, j) is inside when the point (i, j) is, spans are [xa, xb).
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "preprocess/imagescope_xml.h"
#include "preprocess/polygon_raster.h"
#include "support.h"

namespace {

using mis::FillRule;
using mis::Polygon;

struct Raster {
  int64_t count = 0;
  std::set<std::pair<int, int>> pixels;  // (i, j)
};

Raster raster(const Polygon& polygon, int w, int h, FillRule rule = FillRule::even_odd) {
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(w * h), 0);
  Raster r;
  r.count = mis::rasterize_polygon(polygon, w, h, rule, mask);
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i)
      if (mask[static_cast<std::size_t>(j * w + i)]) r.pixels.insert({i, j});
  return r;
}

std::set<std::pair<int, int>> block(int i0, int i1, int j0, int j1) {  // inclusive ranges
  std::set<std::pair<int, int>> s;
  for (int j = j0; j <= j1; ++j)
    for (int i = i0; i <= i1; ++i) s.insert({i, j});
  return s;
}

}  // namespace

TEST_CASE("polygon raster: an axis-aligned square covers exactly its area") {
  // Corners (0,0) and (4,4): rows 0..3 (y = 4 is excluded), columns [0, 4).
  const Raster r = raster({{0, 0}, {4, 0}, {4, 4}, {0, 4}}, 8, 8);
  CHECK(r.count == 16);
  CHECK(r.pixels == block(0, 3, 0, 3));
  // A 4 x 2 rectangle at (1, 1): columns 1..4, rows 1..2.
  const Raster rect = raster({{1, 1}, {5, 1}, {5, 3}, {1, 3}}, 8, 8);
  CHECK(rect.pixels == block(1, 4, 1, 2));
  // Orientation does not matter.
  CHECK(raster({{0, 4}, {4, 4}, {4, 0}, {0, 0}}, 8, 8).pixels == r.pixels);
}

TEST_CASE("polygon raster: a right triangle, row by row") {
  // Hypotenuse x = 4 - y: row 0 spans [0, 4), row 1 [0, 3), row 2 [0, 2), row 3 [0, 1).
  const Raster r = raster({{0, 0}, {4, 0}, {0, 4}}, 6, 6);
  std::set<std::pair<int, int>> expected;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 4 - j; ++i) expected.insert({i, j});
  CHECK(r.count == 10);
  CHECK(r.pixels == expected);
}

TEST_CASE("polygon raster: fractional vertices use pixel centres") {
  // Square from 0.5 to 2.5: centres 1 and 2 on each axis are inside.
  const Raster r = raster({{0.5, 0.5}, {2.5, 0.5}, {2.5, 2.5}, {0.5, 2.5}}, 4, 4);
  CHECK(r.pixels == block(1, 2, 1, 2));
}

TEST_CASE("polygon raster: shapes beyond the image are clipped, degenerate ones cover nothing") {
  const Raster r = raster({{-2, -2}, {3, -2}, {3, 3}, {-2, 3}}, 4, 4);
  CHECK(r.pixels == block(0, 2, 0, 2));
  CHECK(raster({{10, 10}, {12, 10}, {12, 12}}, 4, 4).count == 0);
  CHECK(raster({{0, 0}, {3, 3}}, 4, 4).count == 0);
  CHECK(raster({{0, 0}, {3, 0}, {6, 0}}, 4, 4).count == 0);  // zero area
}

TEST_CASE("polygon raster: even-odd and nonzero differ exactly where the winding number is 2") {
  // One polygon: a 6 x 6 square, a slit to (2, 2), a 2 x 2 inner square, back along the slit.
  const Polygon opposite{{0, 0}, {6, 0}, {6, 6}, {0, 6}, {0, 0}, {2, 2}, {2, 4}, {4, 4}, {4, 2}, {2, 2}};
  const Polygon same{{0, 0}, {6, 0}, {6, 6}, {0, 6}, {0, 0}, {2, 2}, {4, 2}, {4, 4}, {2, 4}, {2, 2}};
  std::set<std::pair<int, int>> frame = block(0, 5, 0, 5);
  for (const auto& p : block(2, 3, 2, 3)) frame.erase(p);
  // Inner square wound against the outer one: a hole under both rules (36 - 4 pixels).
  CHECK(raster(opposite, 8, 8, FillRule::even_odd).pixels == frame);
  CHECK(raster(opposite, 8, 8, FillRule::nonzero).pixels == frame);
  // Wound the same way: winding number 2 inside, so only even-odd leaves the hole.
  CHECK(raster(same, 8, 8, FillRule::even_odd).pixels == frame);
  CHECK(raster(same, 8, 8, FillRule::nonzero).pixels == block(0, 5, 0, 5));
  // A square traversed twice: even-odd cancels it, nonzero fills it.
  const Polygon twice{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}, {4, 0}, {4, 4}, {0, 4}};
  CHECK(raster(twice, 6, 6, FillRule::even_odd).count == 0);
  CHECK(raster(twice, 6, 6, FillRule::nonzero).pixels == block(0, 3, 0, 3));
}

TEST_CASE("polygon raster: adjacent polygons sharing an edge never overlap") {
  std::vector<std::uint8_t> mask(36, 0);
  const int64_t a = mis::rasterize_polygon({{0, 0}, {3, 0}, {3, 6}, {0, 6}}, 6, 6, FillRule::even_odd, mask, 1);
  std::vector<std::uint8_t> other(36, 0);
  const int64_t b = mis::rasterize_polygon({{3, 0}, {6, 0}, {6, 6}, {3, 6}}, 6, 6, FillRule::even_odd, other, 1);
  CHECK(a == 18);
  CHECK(b == 18);
  for (std::size_t k = 0; k < 36; ++k) CHECK(mask[k] + other[k] == 1);
  CHECK(mis::parse_fill_rule("nonzero") == FillRule::nonzero);
  CHECK_THROWS_AS(mis::parse_fill_rule("winding"), mis::UserError);
}

TEST_CASE("imagescope xml: regions and vertices of a MoNuSeg-style file") {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- written by a test; <Region> in a comment is ignored -->
<Annotations MicronsPerPixel="0.252">
<Annotation Id="1" Name="" ReadOnly="0">
<Attributes><Attribute Name="Description" Id="0" Value=""/></Attributes>
<Regions>
<RegionAttributeHeaders><AttributeHeader Id="9999" Name="Region" ColumnWidth="-1"/></RegionAttributeHeaders>
<Region Id="1" Type="0" Zoom="0.5" Text="">
<Attributes/>
<Vertices>
<Vertex X="1.5" Y="2" Z="0"/>
<Vertex X='4' Y="2.25" Z="0"/>
<Vertex X="4" Y="6" Z="0" />
</Vertices>
</Region>
<Region Id="2" Type="0"><Attributes/><Vertices><Vertex X="10" Y="10"/><Vertex X="12" Y="10"/></Vertices></Region>
</Regions>
<Plots/>
</Annotation>
</Annotations>
)";
  const auto regions = mis::parse_imagescope_regions(xml, "test.xml");
  REQUIRE(regions.size() == 2);
  REQUIRE(regions[0].size() == 3);
  CHECK(regions[0][0].x == 1.5);
  CHECK(regions[0][0].y == 2.0);
  CHECK(regions[0][1].x == 4.0);
  CHECK(regions[0][1].y == 2.25);
  CHECK(regions[1].size() == 2);
}

TEST_CASE("imagescope xml: truncated or malformed files are named errors") {
  const std::string head = R"(<Annotations><Annotation><Regions><Region Id="1"><Vertices><Vertex X="1" Y="2"/>)";
  CHECK(error_of([&] { mis::parse_imagescope_regions(head, "a.xml"); }).find("truncated") != std::string::npos);
  CHECK(error_of([&] { mis::parse_imagescope_regions(R"(<Annotations><Vertex X="1" Y=)", "b.xml"); })
            .find("b.xml") == 0);
  CHECK(error_of([&] {
          mis::parse_imagescope_regions(R"(<A><Region><Vertex X="abc" Y="2"/></Region></A>)", "c.xml");
        }).find("not a number") != std::string::npos);
  CHECK(error_of([&] { mis::parse_imagescope_regions(R"(<A><Region></A></Region>)", "d.xml"); })
            .find("does not match") != std::string::npos);
  CHECK(error_of([&] { mis::parse_imagescope_regions("", "e.xml"); }).find("no XML elements") != std::string::npos);
  CHECK(error_of([&] { mis::parse_imagescope_regions(R"(<A><Region><Vertex Y="2"/></Region></A>)", "f.xml"); })
            .find("no X attribute") != std::string::npos);
}

TEST_CASE("imagescope xml + raster: a square nucleus outline becomes its pixels") {
  const auto regions = mis::parse_imagescope_regions(
      R"(<Annotations><Annotation><Regions><Region><Vertices>
         <Vertex X="2" Y="3"/><Vertex X="5" Y="3"/><Vertex X="5" Y="5"/><Vertex X="2" Y="5"/>
         </Vertices></Region></Regions></Annotation></Annotations>)",
      "square.xml");
  REQUIRE(regions.size() == 1);
  CHECK(raster(regions[0], 8, 8).pixels == block(2, 4, 3, 4));
}

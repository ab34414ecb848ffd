#pragma once
// A minimal reader for Aperio ImageScope annotation XML, the format of MoNuSeg's annotations:
//   <Annotations><Annotation ...><Regions>
//     <RegionAttributeHeaders>...</RegionAttributeHeaders>
//     <Region Id="1" ...><Attributes/><Vertices><Vertex X="12.5" Y="40.0" Z="0"/>...</Vertices></Region>
//   ...
// Each <Region> is one nucleus outline; its <Vertex X= Y=> children are the polygon in pixel
// coordinates. The project has no XML library, and this subset needs none: the reader walks
// the tags, checks that every element is closed and named consistently, and collects the
// vertices of each Region. Comments, processing instructions, DOCTYPE and CDATA are skipped.
#include <filesystem>
#include <string>
#include <vector>

#include "preprocess/polygon_raster.h"

namespace mis {

// One polygon per <Region>, in document order (a Region without vertices gives an empty one).
// Throws a UserError "<source>: ..." for truncated or malformed XML or non-numeric X/Y.
std::vector<Polygon> parse_imagescope_regions(const std::string& xml, const std::string& source);

std::vector<Polygon> read_imagescope_regions(const std::filesystem::path& path);

}  // namespace mis

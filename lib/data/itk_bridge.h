#pragma once
// Small helpers shared by the translation units that include ITK (*_itk.cpp only: this header
// pulls in ITK's image headers).
#include <string>

#include <itkImage.h>

#include "data/dataset.h"

namespace mis::itk_bridge {

// ITK's exception descriptions span lines; the project's error messages are one line.
inline std::string first_line(const char* text) {
  std::string s = text ? text : "";
  const auto nl = s.find_first_of("\r\n");
  return nl == std::string::npos ? s : s.substr(0, nl);
}

template <typename ImageT>
Geometry geometry_of(const ImageT* image) {
  Geometry g;
  for (int i = 0; i < 3; ++i) {
    g.spacing[i] = image->GetSpacing()[i];
    g.origin[i] = image->GetOrigin()[i];
    for (int j = 0; j < 3; ++j) g.direction[3 * i + j] = image->GetDirection()(i, j);
  }
  return g;
}

template <typename ImageT>
void apply_geometry(ImageT* image, const Geometry& g) {
  typename ImageT::SpacingType spacing;
  typename ImageT::PointType origin;
  typename ImageT::DirectionType direction;
  for (int i = 0; i < 3; ++i) {
    spacing[i] = g.spacing[i];
    origin[i] = g.origin[i];
    for (int j = 0; j < 3; ++j) direction(i, j) = g.direction[3 * i + j];
  }
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
}

}  // namespace mis::itk_bridge

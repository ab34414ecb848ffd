#include "data/image_formats.h"

#include <algorithm>

#include "core/strings.h"

namespace mis {

const std::vector<std::string>& volume_file_endings() {
  static const std::vector<std::string> endings{".nii.gz", ".nii", ".nrrd", ".mha", ".mhd"};
  return endings;
}

const std::vector<std::string>& image_2d_file_endings() {
  static const std::vector<std::string> endings{".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"};
  return endings;
}

std::vector<std::string> image_file_endings() {
  std::vector<std::string> all = volume_file_endings();
  all.insert(all.end(), image_2d_file_endings().begin(), image_2d_file_endings().end());
  return all;
}

std::string image_file_ending(const std::string& name) {
  const std::string l = lower(name);
  for (const auto& e : image_file_endings())
    if (ends_with(l, e)) return e;
  return "";
}

bool is_2d_image_ending(const std::string& ending) {
  const auto& two_d = image_2d_file_endings();
  return std::find(two_d.begin(), two_d.end(), lower(ending)) != two_d.end();
}

}  // namespace mis

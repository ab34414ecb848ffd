// PNG files through ITK's writer, for a build without libpng's headers (see png_libpng.cpp for
// why libpng is preferred); without ITK either, write_image_2d throws a UserError saying so.
#include "viz/png.h"

#include "data/volume_io.h"

namespace mis {

void write_checked_png_rgb(const std::filesystem::path& path, const torch::Tensor& image) {
  // write_image_2d writes atomically (write_atomic_with keeps the extension ITK chooses the format by).
  write_image_2d(path, image.permute({2, 0, 1}).cpu());
}

}  // namespace mis

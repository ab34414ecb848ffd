// PNG files encoded in memory with libpng's simplified API (png_image_write_to_memory, libpng
// 1.6.24+), then written with core/files.h's checked, atomic writes. Not through ITK's PNG writer
// (data/volume_io.h): ITK 5.2's writer crashes (SIGSEGV) when the disk fills in the middle of a
// file, because libpng's error callback unwinds through its C frames; in memory, libpng meets no
// I/O error at all, and a full disk ends in the one-line "disk full?" error of fail_write.
#include <png.h>

#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "viz/png.h"

namespace mis {

void write_checked_png_rgb(const std::filesystem::path& path, const torch::Tensor& image) {
  const auto pixels = image.cpu().contiguous();
  png_image header{};
  header.version = PNG_IMAGE_VERSION;
  header.width = static_cast<png_uint_32>(pixels.size(1));
  header.height = static_cast<png_uint_32>(pixels.size(0));
  header.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  const void* data = pixels.data_ptr<uint8_t>();
  // The first call measures, the second encodes into a buffer of that size.
  if (!png_image_write_get_memory_size(header, size, 0, data, 0, nullptr))
    fail_file(path, std::string("cannot encode the PNG image: ") + header.message);
  std::vector<unsigned char> bytes(size);
  if (!png_image_write_to_memory(&header, bytes.data(), &size, 0, data, 0, nullptr))
    fail_file(path, std::string("cannot encode the PNG image: ") + header.message);
  write_atomic_with(path, [&](const std::filesystem::path& tmp) { write_bytes(tmp, bytes.data(), size, path); });
}

}  // namespace mis

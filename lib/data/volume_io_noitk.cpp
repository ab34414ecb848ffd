// Stand-ins for a build without ITK (-DMIS_WITH_ITK=OFF): every call explains what is missing.
#include "core/error.h"
#include "data/volume_io.h"

namespace mis {

namespace {
[[noreturn]] void no_itk(const std::filesystem::path& path) {
  fail_file(path, "reading or writing NIfTI/PNG/BMP/TIFF needs ITK, and this binary was built with "
                  "-DMIS_WITH_ITK=OFF; rebuild with ITK (make deps && make build) or prepare the data on a machine that has it");
}
}  // namespace

bool volume_io_available() { return false; }
Volume read_image_volume(const std::filesystem::path& path) { no_itk(path); }
Volume read_label_volume(const std::filesystem::path& path) { no_itk(path); }
void write_image_volume(const std::filesystem::path& path, const torch::Tensor&, const Geometry&) { no_itk(path); }
void write_label_volume(const std::filesystem::path& path, const torch::Tensor&, const Geometry&) { no_itk(path); }
ImageFileInfo read_image_file_info(const std::filesystem::path& path) { no_itk(path); }
void write_image_2d(const std::filesystem::path& path, const torch::Tensor&) { no_itk(path); }
void check_file_complete(const std::filesystem::path& path) { no_itk(path); }

}  // namespace mis

// Stand-ins for a build without libzip: .npz weight files cannot be read or written.
#include "core/error.h"
#include "models/npz.h"

namespace mis {

namespace {
[[noreturn]] void no_libzip(const std::filesystem::path& path) {
  fail_file(path, "this build of mis-spectral lacks libzip, so it cannot read or write .npz weight files; "
                  "install libzip (Debian: libzip-dev) and rebuild, or train without --pretrained");
}
}  // namespace

bool npz_supported() { return false; }

std::map<std::string, torch::Tensor> read_npz(const std::filesystem::path& path) { no_libzip(path); }

void write_npz(const std::filesystem::path& path, const std::map<std::string, torch::Tensor>&) { no_libzip(path); }

}  // namespace mis

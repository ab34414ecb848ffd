#include "core/error.h"

namespace mis {

void fail_file(const std::filesystem::path& path, const std::string& problem) {
  throw UserError(path.string() + ": " + problem);
}

}  // namespace mis

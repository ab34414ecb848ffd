#include "core/build_info.h"

namespace mis {

std::string itk_version() { return ""; }

}  // namespace mis

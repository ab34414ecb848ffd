#include <itkVersion.h>

#include "core/build_info.h"

namespace mis {

std::string itk_version() { return itk::Version::GetITKVersion(); }

}  // namespace mis

#pragma once
// What this binary was built from and with, for `mis-spectral --version` and bug reports: the
// code version, LibTorch, ITK, the CUDA code paths and the optional libraries.
#include <string>

namespace mis {

// Several lines, the first "mis-spectral <code version>" (help2man reads it as the version).
std::string describe_build();

// ITK's version, or "" in a build without ITK (build_info_itk.cpp / build_info_noitk.cpp).
std::string itk_version();

}  // namespace mis

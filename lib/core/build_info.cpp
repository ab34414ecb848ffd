#include "core/build_info.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "core/version.h"

namespace mis {

namespace {

bool built_with_cuda_paths() {
#ifdef MIS_WITH_CUDA
  return true;
#else
  return false;
#endif
}

bool built_with_libzip() {
#ifdef MIS_WITH_LIBZIP
  return true;
#else
  return false;
#endif
}

std::string compiler() {
#if defined(__clang__)
  return fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("GCC {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown compiler";
#endif
}

bool optimised() {
#ifdef NDEBUG
  return true;
#else
  return false;
#endif
}

}  // namespace

std::string describe_build() {
  const std::string itk = itk_version();
  // torch::cuda::device_count() is 0 on a CPU-only LibTorch and on a machine without a GPU.
  return fmt::format(
      "mis-spectral {}\n"
      "LibTorch {} ({} CUDA device(s) visible)\n"
      "ITK {}\n"
      "CUDA code paths: {}\n"
      "libzip (TransUNet's .npz weights): {}\n"
      "compiler: {}, {}",
      code_version(), TORCH_VERSION, torch::cuda::device_count(),
      itk.empty() ? "none (dataset packs only; built with -DMIS_WITH_ITK=OFF)" : itk,
      built_with_cuda_paths() ? "on (-DMIS_WITH_CUDA=ON)" : "off", built_with_libzip() ? "yes" : "no", compiler(),
      optimised() ? "optimised (NDEBUG)" : "debug (assertions on)");
}

}  // namespace mis

// Stand-ins for a build without ITK (-DMIS_WITH_ITK=OFF): HD95 needs ITK's distance transform.
#include "metrics/hd95.h"

namespace mis {

namespace {
[[noreturn]] void no_itk() {
  throw UserError("HD95 needs ITK (its exact distance transform), and this binary was built with "
                  "-DMIS_WITH_ITK=OFF; pass --hd95 off, or rebuild with ITK (make deps && make build)");
}
}  // namespace

bool hd95_available() { return false; }

SurfaceDistances surface_distances(const torch::Tensor&, const torch::Tensor&, const std::array<double, 3>&) {
  no_itk();
}

std::optional<double> hd95(const torch::Tensor&, const torch::Tensor&, const std::array<double, 3>&, EmptyConvention,
                           Hd95Variant) {
  no_itk();
}

std::vector<std::optional<double>> hd95_per_class(const torch::Tensor&, const torch::Tensor&, int64_t,
                                                  const std::array<double, 3>&, EmptyConvention, Hd95Variant) {
  no_itk();
}

}  // namespace mis

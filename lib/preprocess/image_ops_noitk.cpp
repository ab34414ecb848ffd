// Stand-ins for a build without ITK (-DMIS_WITH_ITK=OFF): preprocessing needs ITK's filters.
#include "core/error.h"
#include "preprocess/image_ops.h"

namespace mis::prep {

namespace {
[[noreturn]] void no_itk() {
  throw UserError("preprocess reorients, resamples and converts images with ITK, and this binary was built with "
                  "-DMIS_WITH_ITK=OFF; rebuild with ITK (make deps && make build) or run preprocess on a machine "
                  "that has it and copy the output folder");
}
}  // namespace

Volume reorient_canonical(const Volume&) { no_itk(); }
Volume resample(const Volume&, const Grid&, Interpolation, bool) { no_itk(); }
torch::Tensor rgb_to_luminance(const torch::Tensor&) { no_itk(); }

}  // namespace mis::prep

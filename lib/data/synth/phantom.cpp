#include "data/synth/phantom.h"

// generate_anatomy is in anatomy.cpp, the domains and render in appearance.cpp.

namespace mis::synth {

Volume generate_case(const SynthOptions& opts, const DomainStyle& domain, std::uint64_t seed) {
  Anatomy anatomy = generate_anatomy(opts, seed);
  Volume v;
  v.nx = anatomy.nx;
  v.ny = anatomy.ny;
  v.nz = anatomy.nz;
  v.spacing = {opts.spacing_xy, opts.spacing_xy, opts.spacing_z};
  v.image = render(anatomy, domain, seed);
  v.label = std::move(anatomy.label);
  return v;
}

}  // namespace mis::synth

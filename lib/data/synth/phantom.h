#pragma once
// Seeded synthetic cardiac-like phantoms: the embedded domain-shift benchmark (docs/method.md section 6).
//
// A case is built in two independent steps so that "scanner" and "patient" never mix:
//   generate_anatomy(options, seed)        -> labels + tissue map (the patient; no domain input)
//   render(anatomy, domain, seed)          -> image (what one scanner makes of that patient)
// generate_case() does both. All randomness comes from mis::Rng sub-streams. The label map uses only
// +, -, *, / and sqrt, so it is bit-exact on every platform as long as the compiler does not fuse
// multiply-adds (build with -ffp-contract=off where FMA is the default, e.g. GCC on AArch64); the
// image also goes through libm's exp/log/pow, whose last bits may differ between C libraries.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mis::synth {

struct SynthOptions {
  int size = 96;            // in-plane pixels (nx = ny = size)
  int slices = 12;          // nz
  int num_classes = 3;      // foreground classes: 3 -> RV(1), MYO(2), LV(3); 2 -> MYO(1), LV(2); 1 -> LV(1)
  double spacing_xy = 1.5;  // mm
  double spacing_z = 8.0;   // mm
};

// What a voxel is made of; a scanner maps each tissue to a signal. Tissues are shared across labels on
// purpose (blood fills LV, RV and a background vessel; muscle forms the myocardium, the papillary
// muscles inside the LV and a background ring), so intensity alone never identifies a class.
enum Tissue : std::uint8_t { kAir, kSoftTissue, kFat, kLung, kBlood, kMuscle, kNumTissues };

// What one "scanner" does to the anatomy. Signals are in [0, 1] until output_scale is applied.
struct DomainStyle {
  std::string name;
  std::array<double, kNumTissues> intensity{};  // signal per Tissue
  double intensity_jitter = 0.0;   // per-case relative change of each tissue's signal, uniform +-
  double contrast = 1.0;           // slope about mid-grey 0.5, applied before gamma
  double gamma = 1.0;              // signal -> signal^gamma
  double texture_amplitude = 0.0;  // relative SD of a smooth multiplicative in-plane pattern
  double texture_cell_px = 4.0;    // correlation length of that pattern, pixels
  double bias_strength = 0.0;      // log-amplitude of a low-order polynomial multiplicative field
  int downsample = 1;              // in-plane acquisition resolution is 1/downsample of the grid
  double blur_sigma_px = 0.0;      // Gaussian point-spread function, pixels
  double noise_sigma = 0.0;        // Rician noise SD
  double output_scale = 1000.0;    // scanner units (removed again by z-score normalisation)
};

// The built-in domains: index 0 is the training ("source") domain, the rest are out-of-distribution
// targets: "scanner-b" (other tissue contrast and gamma), "scanner-c" (bias field, texture, noise),
// "scanner-d" (low resolution, blur, noise).
std::vector<DomainStyle> builtin_domains();

// The patient: label and tissue maps, index (z*ny + y)*nx + x.
struct Anatomy {
  int nx = 0, ny = 0, nz = 0;
  std::vector<std::uint8_t> label;   // 0..num_classes
  std::vector<std::uint8_t> tissue;  // Tissue
};
// Depends only on (options, seed). Throws std::invalid_argument for invalid options.
Anatomy generate_anatomy(const SynthOptions& opts, std::uint64_t seed);
// The image `domain` acquires of `anatomy`; depends on (anatomy, domain, seed).
std::vector<float> render(const Anatomy& anatomy, const DomainStyle& domain, std::uint64_t seed);

struct Volume {
  int nx = 0, ny = 0, nz = 0;
  std::array<double, 3> spacing{};    // x, y, z in mm
  std::vector<float> image;           // nz*ny*nx, index (z*ny + y)*nx + x, single channel
  std::vector<std::uint8_t> label;    // same indexing, values 0..num_classes
};
// Anatomy depends only on (seed) and options; appearance on the domain and seed. Same inputs -> identical bytes.
Volume generate_case(const SynthOptions& opts, const DomainStyle& domain, std::uint64_t seed);

std::vector<std::string> class_names(int num_classes);  // e.g. {"background","RV","MYO","LV"}

}  // namespace mis::synth

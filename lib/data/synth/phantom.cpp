#include "data/synth/phantom.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/fingerprint.h"
#include "core/rng.h"

namespace mis::synth {
namespace {

// Each part of the generator draws from its own sub-stream, so changing one part (say, the
// distractors) does not reshuffle the others.
enum StreamKey : std::uint64_t { kGeometryStream = 1, kDeformationStream, kDistractorStream, kAppearanceStream };

// Structures in the 3-class convention; relabel() maps them for fewer classes.
enum Structure : std::uint8_t { kBackground = 0, kRV = 1, kMYO = 2, kLV = 3 };

// ---------------------------------------------------------------------------------------------
// Plane geometry. Coordinates are normalised to [-1, 1] across the image, so the phantom looks the
// same at every grid size. Nothing here uses trigonometry, which keeps the label map exact IEEE
// arithmetic (+, *, /, sqrt) and hence byte-identical across platforms.

struct Vec2 {
  double x = 0, y = 0;
};
Vec2 operator+(Vec2 a, Vec2 b) { return {a.x + b.x, a.y + b.y}; }
Vec2 operator-(Vec2 a, Vec2 b) { return {a.x - b.x, a.y - b.y}; }
Vec2 operator*(Vec2 a, double s) { return {a.x * s, a.y * s}; }
double dot(Vec2 a, Vec2 b) { return a.x * b.x + a.y * b.y; }
double norm(Vec2 a) { return std::sqrt(dot(a, a)); }
Vec2 perpendicular(Vec2 a) { return {-a.y, a.x}; }

// A uniformly distributed direction, by rejection sampling in the unit disc.
Vec2 random_direction(Rng& rng) {
  for (;;) {
    const Vec2 v{rng.uniform(-1, 1), rng.uniform(-1, 1)};
    const double r2 = dot(v, v);
    if (r2 > 0.01 && r2 <= 1.0) return v * (1.0 / std::sqrt(r2));
  }
}

// A direction within atan(max_tan) of the unit vector `axis`.
Vec2 direction_near(Rng& rng, Vec2 axis, double max_tan) {
  const Vec2 v = axis + perpendicular(axis) * rng.uniform(-max_tan, max_tan);
  return v * (1.0 / norm(v));
}

struct Ellipse {
  Vec2 centre;
  Vec2 axis{1, 0};  // unit vector along semi-axis a
  double a = 0, b = 0;
  bool contains(Vec2 p) const {
    if (a <= 0 || b <= 0) return false;
    const Vec2 d = p - centre;
    const double u = dot(d, axis) / a, v = dot(d, perpendicular(axis)) / b;
    return u * u + v * v < 1.0;
  }
};

Ellipse circle(Vec2 centre, double r) { return {centre, {1, 0}, r, r}; }

// Radius profile of a structure along the long axis: full size at the base (s <= 0), an ellipsoid
// cap that closes at s = apex.
double taper(double s, double apex) {
  if (s <= 0) return 1.0;
  if (s >= apex) return 0.0;
  const double r = s / apex;
  return std::sqrt(1.0 - r * r);
}

double distance_to_segment(Vec2 p, Vec2 a, Vec2 b) {
  const Vec2 ab = b - a;
  const double len2 = dot(ab, ab);
  const double t = len2 > 0 ? std::clamp(dot(p - a, ab) / len2, 0.0, 1.0) : 0.0;
  return norm(p - (a + ab * t));
}

// ---------------------------------------------------------------------------------------------
// The patient, drawn once per case. `s` is the position along the long axis: 0 = base, 1 ~ apex.

struct HeartShape {
  Vec2 centre;              // LV centre at the base
  Vec2 tilt;                // centre shift per unit of s: the long axis is oblique to the slices
  Vec2 axis;                // orientation of the LV cross-section
  double cavity_a = 0, cavity_b = 0, wall = 0;
  double apex_cavity = 0, apex_wall = 0, apex_rv = 0;  // where each structure closes
  Vec2 rv_direction;        // from the LV centre towards the RV
  // RV ellipse relative to the mean outer myocardial radius R: its centre sits at rv_offset * R
  // (inside the ring), its semi-axes are rv_along * R and rv_across * R. Because rv_offset < 1 the
  // ellipse straddles the ring's outer edge whenever any of it shows, so the crescent always
  // touches the myocardium.
  double rv_offset = 0, rv_along = 0, rv_across = 0;
  std::array<Vec2, 2> papillary_direction;
  double papillary_radius = 0;  // fraction of the mean cavity radius

  double outer_radius() const { return 0.5 * (cavity_a + cavity_b) + wall; }
  Vec2 centre_at(double s) const { return centre + tilt * s; }

  // Whether a disc (c, r) keeps `margin` clear of the heart in every slice from s_first to s_last.
  // Toward the apex every cross-section shrinks inside the base one (the RV moves inward by less than
  // it shrinks), so the base cross-sections, swept along the tilt, bound them all.
  bool clear_of(Vec2 c, double r, double margin, double s_first, double s_last) const {
    const Vec2 first = centre_at(s_first), last = centre_at(s_last);
    const double lv_reach = std::max(cavity_a, cavity_b) + wall;
    if (distance_to_segment(c, first, last) < lv_reach + r + margin) return false;
    const Vec2 rv_shift = rv_direction * (rv_offset * outer_radius());
    const double rv_reach = std::max(rv_along, rv_across) * outer_radius();
    return distance_to_segment(c, first + rv_shift, last + rv_shift) >= rv_reach + r + margin;
  }
};

struct BodyShape {
  Ellipse skin, fat_inner;  // subcutaneous fat lies between them
  std::array<Ellipse, 2> lungs;
};

// Background structures that look like a class: a bright round vessel (blood, like the LV/RV) and a
// ring of muscle around blood (like LV + MYO), both placed away from the heart.
struct Distractors {
  bool has_vessel = false, has_ring = false;
  Ellipse vessel, ring_outer, ring_inner;
  double ring_first = 0, ring_last = 0;  // long-axis extent of the ring
};

// Smooth elastic deformation: a random displacement on a coarse control grid (kGrid x kGrid in-plane,
// up to kGridZ along z), interpolated to every voxel.
class Deformation {
 public:
  static constexpr int kGrid = 5, kGridZ = 3;

  Deformation(Rng& rng, int nz, double amplitude) : nz_(nz), gz_(std::min(nz, kGridZ)) {
    control_.resize(static_cast<std::size_t>(gz_) * kGrid * kGrid);
    for (auto& d : control_) d = {rng.uniform(-amplitude, amplitude), rng.uniform(-amplitude, amplitude)};
  }

  // The in-plane control grid of slice z (linear interpolation between control layers).
  std::vector<Vec2> slice_grid(int z) const {
    const double t = nz_ > 1 ? double(z) / (nz_ - 1) * (gz_ - 1) : 0.0;
    const int z0 = std::min(static_cast<int>(t), gz_ - 1), z1 = std::min(z0 + 1, gz_ - 1);
    const double w = t - z0;
    std::vector<Vec2> grid(kGrid * kGrid);
    for (int i = 0; i < kGrid * kGrid; ++i)
      grid[i] = control_[z0 * kGrid * kGrid + i] * (1 - w) + control_[z1 * kGrid * kGrid + i] * w;
    return grid;
  }

  // Bilinear interpolation of a slice grid at normalised position p.
  static Vec2 at(const std::vector<Vec2>& grid, Vec2 p) {
    const double gx = std::clamp((p.x + 1) * 0.5 * (kGrid - 1), 0.0, kGrid - 1.0);
    const double gy = std::clamp((p.y + 1) * 0.5 * (kGrid - 1), 0.0, kGrid - 1.0);
    const int x0 = std::min(static_cast<int>(gx), kGrid - 2), y0 = std::min(static_cast<int>(gy), kGrid - 2);
    const double wx = gx - x0, wy = gy - y0;
    const auto g = [&](int dx, int dy) { return grid[(y0 + dy) * kGrid + x0 + dx]; };
    return (g(0, 0) * (1 - wx) + g(1, 0) * wx) * (1 - wy) + (g(0, 1) * (1 - wx) + g(1, 1) * wx) * wy;
  }

 private:
  int nz_, gz_;
  std::vector<Vec2> control_;
};

HeartShape draw_heart(Rng& rng) {
  HeartShape h;
  h.centre = {rng.uniform(0.0, 0.12), rng.uniform(-0.08, 0.06)};
  h.tilt = {rng.uniform(-0.06, 0.06), rng.uniform(-0.06, 0.06)};
  h.axis = random_direction(rng);
  h.cavity_a = rng.uniform(0.19, 0.26);
  h.cavity_b = h.cavity_a * rng.uniform(0.75, 1.0);  // eccentricity
  h.wall = rng.uniform(0.08, 0.11);
  h.apex_wall = rng.uniform(0.92, 1.02);
  h.apex_cavity = h.apex_wall - rng.uniform(0.07, 0.12);
  h.apex_rv = rng.uniform(0.75, 0.95);
  // The RV lies on the image left (the patient's right in radiological display), give or take.
  h.rv_direction = direction_near(rng, {-1, -0.25}, 0.45);
  h.rv_offset = rng.uniform(0.5, 0.65);
  h.rv_along = rng.uniform(1.05, 1.35);
  h.rv_across = rng.uniform(1.3, 1.6);
  for (auto& d : h.papillary_direction) d = random_direction(rng);
  h.papillary_radius = rng.uniform(0.12, 0.18);
  return h;
}

BodyShape draw_body(Rng& rng) {
  BodyShape b;
  const Vec2 centre{rng.uniform(-0.04, 0.04), rng.uniform(0.0, 0.08)};
  const Vec2 axis = direction_near(rng, {1, 0}, 0.1);
  b.skin = {centre, axis, rng.uniform(0.92, 1.02), rng.uniform(0.74, 0.86)};
  const double fat = rng.uniform(0.04, 0.07);
  b.fat_inner = {centre, axis, b.skin.a - fat, b.skin.b - fat};
  for (int side = 0; side < 2; ++side) {
    const double sign = side == 0 ? -1.0 : 1.0;
    const Vec2 c = centre + Vec2{sign * rng.uniform(0.6, 0.68), rng.uniform(-0.1, 0.05)};
    b.lungs[side] = {c, direction_near(rng, {0, 1}, 0.2), rng.uniform(0.35, 0.45), rng.uniform(0.18, 0.24)};
  }
  return b;
}

// A centre for a disc of radius r inside the body's fat layer and clear of the heart and `avoid`;
// false if none is found (the distractor is then left out, deterministically).
bool place_clear_of_heart(Rng& rng, const BodyShape& body, const HeartShape& heart, double s_first,
                          double s_last, double r, const std::vector<Ellipse>& avoid, Vec2& out) {
  constexpr double kMargin = 0.12;  // more than twice the elastic displacement
  const Ellipse room{body.fat_inner.centre, body.fat_inner.axis, body.fat_inner.a - r, body.fat_inner.b - r};
  for (int attempt = 0; attempt < 200; ++attempt) {
    const Vec2 c{rng.uniform(-1, 1), rng.uniform(-1, 1)};
    if (!room.contains(c) || !heart.clear_of(c, r, kMargin, s_first, s_last)) continue;
    const bool clash = std::any_of(avoid.begin(), avoid.end(),
                                   [&](const Ellipse& e) { return norm(c - e.centre) < e.a + r + kMargin; });
    if (clash) continue;
    out = c;
    return true;
  }
  return false;
}

Distractors draw_distractors(Rng& rng, const BodyShape& body, const HeartShape& heart, double s_first,
                             double s_last) {
  Distractors d;
  Vec2 c;
  const double vessel_r = rng.uniform(0.06, 0.09);
  if (place_clear_of_heart(rng, body, heart, s_first, s_last, vessel_r, {}, c)) {
    d.has_vessel = true;
    d.vessel = circle(c, vessel_r);
  }
  const double ring_r = rng.uniform(0.11, 0.15), ring_wall = rng.uniform(0.04, 0.06);
  std::vector<Ellipse> avoid;
  if (d.has_vessel) avoid.push_back(d.vessel);
  if (rng.chance(0.8) && place_clear_of_heart(rng, body, heart, s_first, s_last, ring_r, avoid, c)) {
    d.has_ring = true;
    d.ring_outer = circle(c, ring_r);
    d.ring_inner = circle(c, ring_r - ring_wall);
    const double len = rng.uniform(0.3, 0.7) * (s_last - s_first);
    d.ring_first = rng.uniform(s_first, s_last - len);
    d.ring_last = d.ring_first + len;
  }
  return d;
}

// The heart's cross-sections in one slice.
struct HeartSlice {
  Ellipse cavity, outer, rv;
  std::array<Ellipse, 2> papillary;
};

HeartSlice heart_slice(const HeartShape& h, double s) {
  HeartSlice hs;
  const Vec2 c = h.centre_at(s);
  const double g_cavity = taper(s, h.apex_cavity), g_wall = taper(s, h.apex_wall);
  hs.cavity = {c, h.axis, h.cavity_a * g_cavity, h.cavity_b * g_cavity};
  hs.outer = {c, h.axis, (h.cavity_a + h.wall) * g_wall, (h.cavity_b + h.wall) * g_wall};
  const double r = h.outer_radius() * g_wall, g_rv = taper(s, h.apex_rv);
  hs.rv = {c + h.rv_direction * (h.rv_offset * r), h.rv_direction, h.rv_along * r * g_rv,
           h.rv_across * r * g_rv};
  // Papillary muscles: muscle inside the cavity but labelled LV (as in ACDC); only where the
  // cavity is large enough to hold them.
  const double cavity_r = 0.5 * (hs.cavity.a + hs.cavity.b);
  const double pr = g_cavity > 0.6 ? h.papillary_radius * cavity_r : 0.0;
  for (int i = 0; i < 2; ++i) {
    const Vec2 dir = h.papillary_direction[i];
    hs.papillary[i] = circle(c + dir * (0.6 * cavity_r), pr);
  }
  return hs;
}

struct Voxel {
  Tissue tissue;
  Structure structure;
};

Voxel classify(Vec2 q, const BodyShape& body, const Distractors& dis, double s, const HeartSlice& heart) {
  if (!body.skin.contains(q)) return {kAir, kBackground};
  Voxel v{kSoftTissue, kBackground};
  if (!body.fat_inner.contains(q)) v.tissue = kFat;
  else if (body.lungs[0].contains(q) || body.lungs[1].contains(q)) v.tissue = kLung;
  if (dis.has_vessel && dis.vessel.contains(q)) v.tissue = kBlood;
  if (dis.has_ring && s >= dis.ring_first && s <= dis.ring_last && dis.ring_outer.contains(q))
    v.tissue = dis.ring_inner.contains(q) ? kBlood : kMuscle;
  // Later structures win: the myocardium covers the RV ellipse's inner part, the cavity its inside.
  if (heart.rv.contains(q)) v = {kBlood, kRV};
  if (heart.outer.contains(q)) v = {kMuscle, kMYO};
  if (heart.cavity.contains(q)) {
    const bool papillary = heart.papillary[0].contains(q) || heart.papillary[1].contains(q);
    v = {papillary ? kMuscle : kBlood, kLV};
  }
  return v;
}

// On coarse grids (below about 32 pixels) the rasterised ring can be thinner than a pixel and let
// the cavity touch something else; closing such gaps with myocardium keeps the promised topology.
void seal_cavity(int nx, int ny, std::uint8_t* structure, std::uint8_t* tissue) {
  const auto close = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= nx || y >= ny) return;
    const int i = y * nx + x;
    if (structure[i] != kLV && structure[i] != kMYO) {
      structure[i] = kMYO;
      tissue[i] = kMuscle;
    }
  };
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x)
      if (structure[y * nx + x] == kLV) {
        close(x - 1, y);
        close(x + 1, y);
        close(x, y - 1);
        close(x, y + 1);
      }
}

std::uint8_t relabel(std::uint8_t structure, int num_classes) {
  switch (num_classes) {
    case 3: return structure;
    case 2: return structure == kMYO ? 1 : structure == kLV ? 2 : 0;
    default: return structure == kLV ? 1 : 0;
  }
}

void validate(const SynthOptions& o) {
  if (o.size < 16) throw std::invalid_argument("synth: size must be at least 16");
  if (o.slices < 1) throw std::invalid_argument("synth: slices must be at least 1");
  if (o.num_classes < 1 || o.num_classes > 3) throw std::invalid_argument("synth: num_classes must be 1, 2 or 3");
  if (!(o.spacing_xy > 0) || !(o.spacing_z > 0)) throw std::invalid_argument("synth: spacings must be positive");
}

// ---------------------------------------------------------------------------------------------
// Appearance: per-slice image operations on float buffers.

// A smooth zero-mean, unit-SD random pattern: Gaussian values on a coarse grid, bilinearly upsampled.
std::vector<float> smooth_pattern(Rng& rng, int nx, int ny, double cell_px) {
  const double cell = std::max(cell_px, 1.0);
  const int cx = static_cast<int>(nx / cell) + 2, cy = static_cast<int>(ny / cell) + 2;
  std::vector<double> coarse(static_cast<std::size_t>(cx) * cy);
  for (auto& v : coarse) v = rng.normal();
  std::vector<float> out(static_cast<std::size_t>(nx) * ny);
  double sum = 0, sum2 = 0;
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      const double gx = x / cell, gy = y / cell;
      const int x0 = static_cast<int>(gx), y0 = static_cast<int>(gy);
      const double wx = gx - x0, wy = gy - y0;
      const auto c = [&](int dx, int dy) { return coarse[(y0 + dy) * cx + x0 + dx]; };
      const double v = (c(0, 0) * (1 - wx) + c(1, 0) * wx) * (1 - wy) + (c(0, 1) * (1 - wx) + c(1, 1) * wx) * wy;
      out[y * nx + x] = static_cast<float>(v);
      sum += v;
      sum2 += v * v;
    }
  // Interpolation shrinks the variance by an amount that depends on the cell size; undo it so
  // texture_amplitude means the same thing at every scale.
  const double n = double(nx) * ny, mean = sum / n, sd = std::sqrt(std::max(sum2 / n - mean * mean, 1e-12));
  for (auto& v : out) v = static_cast<float>((v - mean) / sd);
  return out;
}

// Acquisition at 1/factor of the in-plane resolution: box-average to a coarse grid, then
// interpolate back bilinearly (as a scanner's reconstruction zero-fill/interpolation would).
void reduce_resolution(std::vector<float>& img, int nx, int ny, int factor) {
  if (factor <= 1) return;
  const int mx = (nx + factor - 1) / factor, my = (ny + factor - 1) / factor;
  std::vector<double> coarse(static_cast<std::size_t>(mx) * my, 0.0);
  std::vector<int> count(coarse.size(), 0);
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      const int i = (y / factor) * mx + x / factor;
      coarse[i] += img[y * nx + x];
      ++count[i];
    }
  for (std::size_t i = 0; i < coarse.size(); ++i) coarse[i] /= count[i];
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      const double gx = std::clamp((x + 0.5) / factor - 0.5, 0.0, mx - 1.0);
      const double gy = std::clamp((y + 0.5) / factor - 0.5, 0.0, my - 1.0);
      const int x0 = std::min(static_cast<int>(gx), std::max(mx - 2, 0)), y0 = std::min(static_cast<int>(gy), std::max(my - 2, 0));
      const int x1 = std::min(x0 + 1, mx - 1), y1 = std::min(y0 + 1, my - 1);
      const double wx = gx - x0, wy = gy - y0;
      const auto c = [&](int xx, int yy) { return coarse[yy * mx + xx]; };
      img[y * nx + x] = static_cast<float>((c(x0, y0) * (1 - wx) + c(x1, y0) * wx) * (1 - wy) +
                                           (c(x0, y1) * (1 - wx) + c(x1, y1) * wx) * wy);
    }
}

// Separable Gaussian blur with edge clamping.
void gaussian_blur(std::vector<float>& img, int nx, int ny, double sigma) {
  if (sigma <= 0) return;
  const int radius = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> kernel(2 * radius + 1);
  double total = 0;
  for (int i = -radius; i <= radius; ++i) total += kernel[i + radius] = std::exp(-0.5 * i * i / (sigma * sigma));
  for (auto& k : kernel) k /= total;
  std::vector<float> tmp(img.size());
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      double acc = 0;
      for (int i = -radius; i <= radius; ++i) acc += kernel[i + radius] * img[y * nx + std::clamp(x + i, 0, nx - 1)];
      tmp[y * nx + x] = static_cast<float>(acc);
    }
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      double acc = 0;
      for (int i = -radius; i <= radius; ++i) acc += kernel[i + radius] * tmp[std::clamp(y + i, 0, ny - 1) * nx + x];
      img[y * nx + x] = static_cast<float>(acc);
    }
}

double normalised_coordinate(int i, int n) { return n > 1 ? 2.0 * i / (n - 1) - 1.0 : 0.0; }

// A coil-sensitivity-like field: exp of a random quadratic polynomial in (x, y) plus a linear
// through-plane term, scaled so its log never exceeds +-strength. It factors into an in-plane map
// times a per-slice gain, which saves an exp per voxel.
class BiasField {
 public:
  BiasField(Rng& rng, double strength, int nx, int ny, int nz) : nz_(nz) {
    std::array<double, 6> c{};
    double total = 0;
    for (auto& v : c) {
      v = rng.uniform(-1, 1);
      total += std::abs(v);
    }
    // On [-1, 1]^3 every basis term below is bounded by 1, so |log field| <= strength.
    const double scale = strength > 0 ? strength / total : 0.0;
    plane_.resize(static_cast<std::size_t>(nx) * ny);
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x) {
        const double u = normalised_coordinate(x, nx), v = normalised_coordinate(y, ny);
        const double p = c[0] * u + c[1] * v + c[2] * (2 * u * u - 1) + c[3] * (2 * v * v - 1) + c[4] * u * v;
        plane_[y * nx + x] = static_cast<float>(std::exp(scale * p));
      }
    z_coeff_ = scale * c[5];
  }
  const std::vector<float>& plane() const { return plane_; }
  double slice_gain(int z) const { return std::exp(z_coeff_ * normalised_coordinate(z, nz_)); }

 private:
  int nz_;
  double z_coeff_ = 0;
  std::vector<float> plane_;
};

// Two independent standard normals by Marsaglia's polar method: one log per pair and no
// trigonometry, which matters when every voxel needs two (Rng::normal yields one per log and cos).
std::array<double, 2> normal_pair(Rng& rng) {
  for (;;) {
    const double u = rng.uniform(-1, 1), v = rng.uniform(-1, 1), r2 = u * u + v * v;
    if (r2 > 0.0 && r2 < 1.0) {
      const double f = std::sqrt(-2.0 * std::log(r2) / r2);
      return {u * f, v * f};
    }
  }
}

}  // namespace

std::vector<DomainStyle> builtin_domains() {
  // Tissue order: air, soft tissue, fat, lung, blood, muscle. The source resembles bSSFP cine:
  // bright blood and fat, dark myocardium, black lungs.
  DomainStyle source;
  source.name = "source";
  source.intensity = {0.0, 0.32, 0.72, 0.05, 0.82, 0.26};
  source.intensity_jitter = 0.05;
  source.texture_amplitude = 0.04;
  source.bias_strength = 0.1;
  source.blur_sigma_px = 0.6;
  source.noise_sigma = 0.02;

  // Another sequence: myocardium brighter than the surrounding soft tissue (the source has it
  // darker), lower blood-muscle contrast, grey lungs and a strong gamma.
  DomainStyle b = source;
  b.name = "scanner-b";
  b.intensity = {0.0, 0.30, 0.52, 0.14, 0.68, 0.44};
  b.contrast = 0.9;
  b.gamma = 1.6;
  b.output_scale = 600.0;

  // A poor coil and an inhomogeneous field: strong bias, visible texture, more noise.
  DomainStyle c = source;
  c.name = "scanner-c";
  c.intensity = {0.0, 0.36, 0.68, 0.06, 0.78, 0.30};
  c.texture_amplitude = 0.15;
  c.texture_cell_px = 5.0;
  c.bias_strength = 0.6;
  c.noise_sigma = 0.06;
  c.output_scale = 1500.0;

  // A low-resolution protocol: a third of the in-plane resolution, a wider PSF and more noise.
  DomainStyle d = source;
  d.name = "scanner-d";
  d.intensity = {0.0, 0.34, 0.70, 0.05, 0.80, 0.28};
  d.downsample = 3;
  d.blur_sigma_px = 1.0;
  d.noise_sigma = 0.05;
  d.bias_strength = 0.15;
  d.output_scale = 800.0;

  return {source, b, c, d};
}

DomainStyle builtin_domain(const std::string& name) {
  for (auto& d : builtin_domains())
    if (d.name == name) return d;
  throw std::invalid_argument("synth: unknown domain '" + name + "'");
}

Anatomy generate_anatomy(const SynthOptions& opts, std::uint64_t seed) {
  validate(opts);
  Rng geometry(derive_seed(seed, {kGeometryStream}));
  const HeartShape heart = draw_heart(geometry);
  const BodyShape body = draw_body(geometry);
  // The stack runs from just above the base to around the apex; some cases end past it.
  const double s_first = geometry.uniform(-0.1, 0.05), s_last = geometry.uniform(0.85, 1.0);
  Rng deformation_rng(derive_seed(seed, {kDeformationStream}));
  const Deformation deformation(deformation_rng, opts.slices, deformation_rng.uniform(0.025, 0.05));
  Rng distractor_rng(derive_seed(seed, {kDistractorStream}));
  const Distractors distractors = draw_distractors(distractor_rng, body, heart, s_first, s_last);

  Anatomy a;
  a.nx = a.ny = opts.size;
  a.nz = opts.slices;
  const std::size_t plane = static_cast<std::size_t>(a.nx) * a.ny;
  a.label.resize(plane * a.nz);
  a.tissue.resize(plane * a.nz);
  for (int z = 0; z < a.nz; ++z) {
    // A single slice is taken mid-ventricle.
    const double s = a.nz > 1 ? s_first + (s_last - s_first) * z / (a.nz - 1) : 0.4;
    const HeartSlice hs = heart_slice(heart, s);
    const std::vector<Vec2> grid = deformation.slice_grid(z);
    std::uint8_t* structure = a.label.data() + z * plane;
    std::uint8_t* tissue = a.tissue.data() + z * plane;
    for (int y = 0; y < a.ny; ++y)
      for (int x = 0; x < a.nx; ++x) {
        const Vec2 p{(x + 0.5) / a.nx * 2 - 1, (y + 0.5) / a.ny * 2 - 1};
        const Voxel v = classify(p + Deformation::at(grid, p), body, distractors, s, hs);
        structure[y * a.nx + x] = v.structure;
        tissue[y * a.nx + x] = v.tissue;
      }
    seal_cavity(a.nx, a.ny, structure, tissue);
  }
  for (auto& l : a.label) l = relabel(l, opts.num_classes);
  return a;
}

std::vector<float> render(const Anatomy& anatomy, const DomainStyle& domain, std::uint64_t seed) {
  Rng rng(derive_seed(seed, {kAppearanceStream, fnv1a64(domain.name)}));
  // Per-case signal of each tissue, through the scanner's contrast/gamma response.
  std::array<double, kNumTissues> signal{};
  for (int t = 0; t < kNumTissues; ++t) {
    const double v = domain.intensity[t] * (1 + domain.intensity_jitter * rng.uniform(-1, 1));
    signal[t] = std::pow(std::clamp(0.5 + domain.contrast * (v - 0.5), 0.0, 1.0), domain.gamma);
  }
  const int nx = anatomy.nx, ny = anatomy.ny, nz = anatomy.nz;
  const BiasField bias(rng, domain.bias_strength, nx, ny, nz);

  const std::size_t plane = static_cast<std::size_t>(nx) * ny;
  std::vector<float> image(plane * nz);
  std::vector<float> slice(plane);
  for (int z = 0; z < nz; ++z) {
    const std::uint8_t* tissue = anatomy.tissue.data() + z * plane;
    for (std::size_t i = 0; i < plane; ++i) slice[i] = static_cast<float>(signal[tissue[i]]);
    if (domain.texture_amplitude > 0) {
      const std::vector<float> texture = smooth_pattern(rng, nx, ny, domain.texture_cell_px);
      for (std::size_t i = 0; i < plane; ++i)
        slice[i] *= static_cast<float>(std::max(0.0, 1 + domain.texture_amplitude * texture[i]));
    }
    reduce_resolution(slice, nx, ny, domain.downsample);
    gaussian_blur(slice, nx, ny, domain.blur_sigma_px);
    const double gain = bias.slice_gain(z);
    float* out = image.data() + z * plane;
    for (std::size_t i = 0; i < plane; ++i) {
      // Magnitude of a complex signal with Gaussian noise in both channels: Rician, and
      // Rayleigh-distributed (never zero) in the air.
      const auto [n_re, n_im] = normal_pair(rng);
      const double re = slice[i] * bias.plane()[i] * gain + domain.noise_sigma * n_re;
      const double im = domain.noise_sigma * n_im;
      out[i] = static_cast<float>(domain.output_scale * std::sqrt(re * re + im * im));
    }
  }
  return image;
}

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

std::vector<std::string> class_names(int num_classes) {
  switch (num_classes) {
    case 3: return {"background", "RV", "MYO", "LV"};
    case 2: return {"background", "MYO", "LV"};
    case 1: return {"background", "LV"};
    default: throw std::invalid_argument("synth: num_classes must be 1, 2 or 3");
  }
}

}  // namespace mis::synth

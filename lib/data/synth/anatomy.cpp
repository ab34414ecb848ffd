// The patient: heart, body and distractors drawn once per case, deformed slice by slice and
// classified voxel by voxel into labels and tissues (phantom.h, generate_anatomy).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/rng.h"
#include "data/synth/phantom.h"
#include "data/synth/plane_geometry.h"
#include "data/synth/streams.h"

namespace mis::synth {
namespace {

// Structures in the 3-class convention; relabel() maps them for fewer classes.
enum Structure : std::uint8_t { kBackground = 0, kRV = 1, kMYO = 2, kLV = 3 };

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

}  // namespace

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

std::vector<std::string> class_names(int num_classes) {
  switch (num_classes) {
    case 3: return {"background", "RV", "MYO", "LV"};
    case 2: return {"background", "MYO", "LV"};
    case 1: return {"background", "LV"};
    default: throw std::invalid_argument("synth: num_classes must be 1, 2 or 3");
  }
}

}  // namespace mis::synth

#pragma once
// Plane geometry of the phantom's anatomy (anatomy.cpp).
#include <algorithm>
#include <cmath>

#include "core/rng.h"

namespace mis::synth {

// Plane geometry. Coordinates are normalised to [-1, 1] across the image, so the phantom looks the
// same at every grid size. Nothing here uses trigonometry, which keeps the label map exact IEEE
// arithmetic (+, *, /, sqrt) and hence byte-identical across platforms.

struct Vec2 {
  double x = 0, y = 0;
};
inline Vec2 operator+(Vec2 a, Vec2 b) { return {a.x + b.x, a.y + b.y}; }
inline Vec2 operator-(Vec2 a, Vec2 b) { return {a.x - b.x, a.y - b.y}; }
inline Vec2 operator*(Vec2 a, double s) { return {a.x * s, a.y * s}; }
inline double dot(Vec2 a, Vec2 b) { return a.x * b.x + a.y * b.y; }
inline double norm(Vec2 a) { return std::sqrt(dot(a, a)); }
inline Vec2 perpendicular(Vec2 a) { return {-a.y, a.x}; }

// A uniformly distributed direction, by rejection sampling in the unit disc.
inline Vec2 random_direction(Rng& rng) {
  for (;;) {
    const Vec2 v{rng.uniform(-1, 1), rng.uniform(-1, 1)};
    const double r2 = dot(v, v);
    if (r2 > 0.01 && r2 <= 1.0) return v * (1.0 / std::sqrt(r2));
  }
}

// A direction within atan(max_tan) of the unit vector `axis`.
inline Vec2 direction_near(Rng& rng, Vec2 axis, double max_tan) {
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

inline Ellipse circle(Vec2 centre, double r) { return {centre, {1, 0}, r, r}; }

// Radius profile of a structure along the long axis: full size at the base (s <= 0), an ellipsoid
// cap that closes at s = apex.
inline double taper(double s, double apex) {
  if (s <= 0) return 1.0;
  if (s >= apex) return 0.0;
  const double r = s / apex;
  return std::sqrt(1.0 - r * r);
}

inline double distance_to_segment(Vec2 p, Vec2 a, Vec2 b) {
  const Vec2 ab = b - a;
  const double len2 = dot(ab, ab);
  const double t = len2 > 0 ? std::clamp(dot(p - a, ab) / len2, 0.0, 1.0) : 0.0;
  return norm(p - (a + ab * t));
}

}  // namespace mis::synth

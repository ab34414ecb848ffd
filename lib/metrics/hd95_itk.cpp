// HD95 with an exact Euclidean distance transform from ITK (see hd95.h for the definition).
#include <itkImage.h>
#include <itkSignedMaurerDistanceMapImageFilter.h>

#include <cstdint>
#include <functional>
#include <limits>

#include "metrics/hd95.h"

namespace mis {

namespace {

using MaskImage = itk::Image<unsigned char, 3>;
using DistanceImage = itk::Image<double, 3>;  // float64 like scipy's distance_transform_edt

struct Dims {
  int64_t z, y, x;
};

// Inclusive bounding box in voxel indices (z, y, x).
struct Box {
  int64_t lo[3] = {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max(),
                   std::numeric_limits<int64_t>::max()};
  int64_t hi[3] = {-1, -1, -1};
  bool empty() const { return hi[0] < 0; }
  void add(int64_t z, int64_t y, int64_t x) {
    const int64_t p[3] = {z, y, x};
    for (int d = 0; d < 3; ++d) {
      lo[d] = std::min(lo[d], p[d]);
      hi[d] = std::max(hi[d], p[d]);
    }
  }
  void merge(const Box& o) {
    if (o.empty()) return;
    for (int d = 0; d < 3; ++d) {
      lo[d] = std::min(lo[d], o.lo[d]);
      hi[d] = std::max(hi[d], o.hi[d]);
    }
  }
};

// Bounding box of every label value 0..num_classes-1 in one pass; other values are ignored.
std::vector<Box> boxes_of(const int64_t* labels, const Dims& n, int64_t num_classes) {
  std::vector<Box> boxes(static_cast<std::size_t>(num_classes));
  const int64_t* p = labels;
  for (int64_t z = 0; z < n.z; ++z)
    for (int64_t y = 0; y < n.y; ++y)
      for (int64_t x = 0; x < n.x; ++x, ++p)
        if (*p >= 0 && *p < num_classes) boxes[static_cast<std::size_t>(*p)].add(z, y, x);
  return boxes;
}

// A binary region cut out of a label map: voxel (z, y, x) of the grid is voxel
// (z + origin[0], y + origin[1], x + origin[2]) of the volume; outside the volume is background.
struct Grid {
  int64_t origin[3];
  int64_t size[3];
  std::vector<unsigned char> v;
  std::size_t index(int64_t z, int64_t y, int64_t x) const {
    return static_cast<std::size_t>((z * size[1] + y) * size[2] + x);
  }
};

Grid cut(const int64_t* labels, const Dims& n, int64_t label, const Box& box, bool planar) {
  Grid g;
  for (int d = 0; d < 3; ++d) {
    // One voxel of margin so that the erosion sees the background around the mask (scipy's
    // border_value=0); none along Z for a 2-D image, whose erosion is in-plane.
    const int64_t margin = (planar && d == 0) ? 0 : 1;
    g.origin[d] = box.lo[d] - margin;
    g.size[d] = box.hi[d] - box.lo[d] + 1 + 2 * margin;
  }
  g.v.assign(static_cast<std::size_t>(g.size[0] * g.size[1] * g.size[2]), 0);
  for (int64_t z = 0; z < g.size[0]; ++z) {
    const int64_t vz = z + g.origin[0];
    if (vz < 0 || vz >= n.z) continue;
    for (int64_t y = 0; y < g.size[1]; ++y) {
      const int64_t vy = y + g.origin[1];
      if (vy < 0 || vy >= n.y) continue;
      const int64_t* row = labels + (vz * n.y + vy) * n.x;
      for (int64_t x = 0; x < g.size[2]; ++x) {
        const int64_t vx = x + g.origin[2];
        if (vx >= 0 && vx < n.x && row[vx] == label) g.v[g.index(z, y, x)] = 1;
      }
    }
  }
  return g;
}

// The voxels that one erosion with the face-neighbour (connectivity 1) element removes.
Grid surface_of(const Grid& g, bool planar) {
  Grid s = g;
  const auto inside = [&](int64_t z, int64_t y, int64_t x) {
    if (z < 0 || y < 0 || x < 0 || z >= g.size[0] || y >= g.size[1] || x >= g.size[2]) return false;
    return g.v[g.index(z, y, x)] != 0;
  };
  for (int64_t z = 0; z < g.size[0]; ++z)
    for (int64_t y = 0; y < g.size[1]; ++y)
      for (int64_t x = 0; x < g.size[2]; ++x) {
        const std::size_t i = g.index(z, y, x);
        if (!g.v[i]) continue;
        bool interior = inside(z, y - 1, x) && inside(z, y + 1, x) && inside(z, y, x - 1) && inside(z, y, x + 1);
        if (!planar) interior = interior && inside(z - 1, y, x) && inside(z + 1, y, x);
        s.v[i] = interior ? 0 : 1;
      }
  return s;
}

// Exact Euclidean distance (mm) from every voxel of the grid to the nearest voxel set in `sites`.
// ITK's Maurer filter measures to the contour of the object: every surface voxel has a face
// neighbour outside its mask, hence outside the surface, so every site is on that contour and
// |distance| is the distance to the nearest site (0 on the sites themselves).
DistanceImage::Pointer distance_to(const Grid& sites, const std::array<double, 3>& spacing_xyz) {
  auto image = MaskImage::New();
  MaskImage::RegionType region;
  MaskImage::SizeType size;
  size[0] = static_cast<itk::SizeValueType>(sites.size[2]);
  size[1] = static_cast<itk::SizeValueType>(sites.size[1]);
  size[2] = static_cast<itk::SizeValueType>(sites.size[0]);
  region.SetSize(size);
  image->SetRegions(region);
  image->Allocate();
  MaskImage::SpacingType spacing;
  for (int i = 0; i < 3; ++i) spacing[i] = spacing_xyz[static_cast<std::size_t>(i)];
  image->SetSpacing(spacing);
  // ITK's buffer is x fastest, then y, then z: the grid's own order.
  std::copy(sites.v.begin(), sites.v.end(), image->GetBufferPointer());

  using Filter = itk::SignedMaurerDistanceMapImageFilter<MaskImage, DistanceImage>;
  auto filter = Filter::New();
  filter->SetInput(image);
  filter->SetBackgroundValue(0);
  filter->SetUseImageSpacing(true);
  filter->SetSquaredDistance(false);
  filter->SetInsideIsPositive(false);
  filter->Update();
  DistanceImage::Pointer out = filter->GetOutput();
  out->DisconnectPipeline();
  return out;
}

// The distances at the voxels of `at`; exactly 0 where `at` meets the sites (the filter leaves
// rounding noise of about 1e-7 there, and overlapping surfaces must count as distance 0).
std::vector<double> sample(const DistanceImage* distances, const Grid& at, const Grid& sites) {
  std::vector<double> out;
  const double* d = distances->GetBufferPointer();
  for (std::size_t i = 0; i < at.v.size(); ++i)
    if (at.v[i]) out.push_back(sites.v[i] ? 0.0 : std::abs(d[i]));
  return out;
}

SurfaceDistances class_distances(const int64_t* a, const int64_t* b, const Dims& n, int64_t label, const Box& box,
                                 const std::array<double, 3>& spacing_xyz) {
  const bool planar = n.z == 1;
  const Grid surface_a = surface_of(cut(a, n, label, box, planar), planar);
  const Grid surface_b = surface_of(cut(b, n, label, box, planar), planar);
  SurfaceDistances d;
  d.a_to_b = sample(distance_to(surface_b, spacing_xyz).GetPointer(), surface_a, surface_b);
  d.b_to_a = sample(distance_to(surface_a, spacing_xyz).GetPointer(), surface_b, surface_a);
  return d;
}

torch::Tensor as_labels(const torch::Tensor& t) { return t.to(torch::kCPU).to(torch::kLong).contiguous(); }

Dims dims_of(const torch::Tensor& t) {
  TORCH_CHECK(t.dim() == 3, "HD95 expects [Z, Y, X] masks, got ", t.sizes());
  return {t.size(0), t.size(1), t.size(2)};
}

std::optional<double> by_convention(bool prediction_empty, bool reference_empty, EmptyConvention convention,
                                    const std::function<double()>& compute) {
  if (convention == EmptyConvention::transunet) {
    if (!prediction_empty && !reference_empty) return compute();
    return 0.0;  // prediction non-empty, reference empty: 0; prediction empty: 0 (calculate_metric_percase)
  }
  if (prediction_empty || reference_empty) return std::nullopt;
  return compute();
}

}  // namespace

bool hd95_available() { return true; }

SurfaceDistances surface_distances(const torch::Tensor& a, const torch::Tensor& b,
                                   const std::array<double, 3>& spacing_xyz) {
  TORCH_CHECK(a.sizes() == b.sizes(), "HD95: mask shapes differ: ", a.sizes(), " vs ", b.sizes());
  const Dims n = dims_of(a);
  const auto la = as_labels(a.ne(0)), lb = as_labels(b.ne(0));
  const auto ba = boxes_of(la.data_ptr<int64_t>(), n, 2), bb = boxes_of(lb.data_ptr<int64_t>(), n, 2);
  TORCH_CHECK(!ba[1].empty() && !bb[1].empty(), "surface distances need two non-empty masks");
  Box box = ba[1];
  box.merge(bb[1]);
  return class_distances(la.data_ptr<int64_t>(), lb.data_ptr<int64_t>(), n, 1, box, spacing_xyz);
}

std::optional<double> hd95(const torch::Tensor& prediction_mask, const torch::Tensor& reference_mask,
                           const std::array<double, 3>& spacing_xyz, EmptyConvention convention,
                           Hd95Variant variant) {
  const auto p = as_labels(prediction_mask.ne(0)), r = as_labels(reference_mask.ne(0));
  return hd95_per_class(p, r, 2, spacing_xyz, convention, variant)[1];
}

std::vector<std::optional<double>> hd95_per_class(const torch::Tensor& prediction, const torch::Tensor& reference,
                                                  int64_t num_classes, const std::array<double, 3>& spacing_xyz,
                                                  EmptyConvention convention, Hd95Variant variant) {
  TORCH_CHECK(prediction.sizes() == reference.sizes(), "HD95: prediction and reference shapes differ: ",
              prediction.sizes(), " vs ", reference.sizes());
  const Dims n = dims_of(prediction);
  const auto p = as_labels(prediction), r = as_labels(reference);
  const int64_t* pp = p.data_ptr<int64_t>();
  const int64_t* rp = r.data_ptr<int64_t>();
  const auto pred_boxes = boxes_of(pp, n, num_classes), ref_boxes = boxes_of(rp, n, num_classes);
  // TransUNet calls medpy without a spacing: voxel units.
  const std::array<double, 3> spacing =
      convention == EmptyConvention::transunet ? std::array<double, 3>{1.0, 1.0, 1.0} : spacing_xyz;
  std::vector<std::optional<double>> out(static_cast<std::size_t>(num_classes));
  for (int64_t k = 1; k < num_classes; ++k) {  // background is never scored
    const Box& pb = pred_boxes[static_cast<std::size_t>(k)];
    const Box& rb = ref_boxes[static_cast<std::size_t>(k)];
    out[static_cast<std::size_t>(k)] = by_convention(pb.empty(), rb.empty(), convention, [&] {
      Box box = pb;
      box.merge(rb);
      return hd95_from_distances(class_distances(pp, rp, n, k, box, spacing), variant);
    });
  }
  return out;
}

}  // namespace mis

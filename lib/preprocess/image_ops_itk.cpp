// ITK implementations of the preprocessing operations (see image_ops.h).
#include <itkBSplineInterpolateImageFunction.h>
#include <itkDiscreteGaussianImageFilter.h>
#include <itkIdentityTransform.h>
#include <itkImage.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkOrientImageFilter.h>
#include <itkRGBPixel.h>
#include <itkRGBToLuminanceImageFilter.h>
#include <itkResampleImageFilter.h>
#include <itkSpatialOrientation.h>

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "data/itk_bridge.h"
#include "preprocess/image_ops.h"

namespace mis::prep {

using itk_bridge::apply_geometry;
using itk_bridge::first_line;
using itk_bridge::geometry_of;

namespace {

using FloatImage = itk::Image<float, 3>;

// [Z, Y, X] float32 -> an ITK image with the given geometry (copies).
FloatImage::Pointer to_itk(const torch::Tensor& zyx, const Geometry& g) {
  const auto data = zyx.to(torch::kFloat32).contiguous();
  auto image = FloatImage::New();
  FloatImage::SizeType size;
  size[0] = static_cast<itk::SizeValueType>(data.size(2));
  size[1] = static_cast<itk::SizeValueType>(data.size(1));
  size[2] = static_cast<itk::SizeValueType>(data.size(0));
  FloatImage::RegionType region;
  region.SetSize(size);
  image->SetRegions(region);
  image->Allocate();
  apply_geometry(image.GetPointer(), g);
  std::memcpy(image->GetBufferPointer(), data.data_ptr<float>(), sizeof(float) * data.numel());
  return image;
}

torch::Tensor from_itk(const FloatImage* image) {
  const auto size = image->GetLargestPossibleRegion().GetSize();
  auto t = torch::empty({static_cast<int64_t>(size[2]), static_cast<int64_t>(size[1]), static_cast<int64_t>(size[0])},
                        torch::kFloat32);
  std::memcpy(t.data_ptr<float>(), image->GetBufferPointer(), sizeof(float) * t.numel());
  return t;
}

bool is_integer_tensor(const torch::Tensor& t) { return !t.is_floating_point(); }

void check_volume(const Volume& v, const char* what) {
  if (v.voxels.dim() != 4 || v.voxels.size(0) < 1)
    throw std::invalid_argument(std::string(what) + ": expected a [C, Z, Y, X] tensor");
  // Labels go through float32; beyond 2^24 integers would lose exactness.
  if (is_integer_tensor(v.voxels) && v.voxels.numel() > 0 &&
      (v.voxels.max().item<int64_t>() > (1 << 24) || v.voxels.min().item<int64_t>() < -(1 << 24)))
    throw std::invalid_argument(std::string(what) + ": label values beyond +-2^24");
}

template <typename Filter>
void update(Filter& filter, const char* what) {
  try {
    filter->Update();
  } catch (const itk::ExceptionObject& e) {
    throw UserError(std::string("ITK ") + what + " failed: " + first_line(e.GetDescription()));
  }
}

}  // namespace

Volume reorient_canonical(const Volume& v) {
  check_volume(v, "reorient_canonical");
  Volume out;
  std::vector<torch::Tensor> channels;
  for (int64_t c = 0; c < v.voxels.size(0); ++c) {
    auto orienter = itk::OrientImageFilter<FloatImage, FloatImage>::New();
    orienter->UseImageDirectionOn();
    orienter->SetDesiredCoordinateOrientation(itk::SpatialOrientation::ITK_COORDINATE_ORIENTATION_RAI);
    orienter->SetInput(to_itk(v.voxels[c], v.geometry));
    update(orienter, "reorientation");
    channels.push_back(from_itk(orienter->GetOutput()));
    if (c == 0) out.geometry = geometry_of(orienter->GetOutput());
  }
  out.voxels = torch::stack(channels, 0);
  if (is_integer_tensor(v.voxels)) out.voxels = out.voxels.round().to(v.voxels.scalar_type());
  return out;
}

Volume resample(const Volume& v, const Grid& grid, Interpolation interpolation, bool antialias) {
  check_volume(v, "resample");
  const bool labels = is_integer_tensor(v.voxels);
  if (labels && interpolation != Interpolation::nearest)
    throw std::invalid_argument("resample: labels must use nearest-neighbour interpolation");
  const Grid in = grid_of(v);
  using Resampler = itk::ResampleImageFilter<FloatImage, FloatImage, double>;
  std::vector<torch::Tensor> channels;
  for (int64_t c = 0; c < v.voxels.size(0); ++c) {
    FloatImage::Pointer source = to_itk(v.voxels[c], v.geometry);
    if (antialias && !labels) {
      // Variance in physical units: (sigma_voxels * input spacing)^2 per downsampled axis.
      FloatImage::SpacingType variance;
      bool any = false;
      for (int a = 0; a < 3; ++a) {
        const double factor = grid.geometry.spacing[a] / in.geometry.spacing[a];
        const double sigma = factor > 1.0 ? (factor - 1.0) / 2.0 * in.geometry.spacing[a] : 0.0;
        variance[a] = sigma * sigma;
        any = any || sigma > 0.0;
      }
      if (any) {
        auto smooth = itk::DiscreteGaussianImageFilter<FloatImage, FloatImage>::New();
        smooth->SetInput(source);
        smooth->SetVariance(variance.GetDataPointer());
        smooth->SetUseImageSpacing(true);
        smooth->SetMaximumKernelWidth(512);
        update(smooth, "anti-aliasing");
        source = smooth->GetOutput();
        source->DisconnectPipeline();
      }
    }
    auto resampler = Resampler::New();
    resampler->SetInput(source);
    resampler->SetTransform(itk::IdentityTransform<double, 3>::New());
    switch (interpolation) {
      case Interpolation::linear:
        resampler->SetInterpolator(itk::LinearInterpolateImageFunction<FloatImage, double>::New());
        break;
      case Interpolation::bspline: {
        auto spline = itk::BSplineInterpolateImageFunction<FloatImage, double, double>::New();
        spline->SetSplineOrder(3);
        resampler->SetInterpolator(spline);
        break;
      }
      case Interpolation::nearest:
        resampler->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<FloatImage, double>::New());
        break;
    }
    FloatImage::SizeType size;
    FloatImage::SpacingType spacing;
    FloatImage::PointType origin;
    FloatImage::DirectionType direction;
    for (int a = 0; a < 3; ++a) {
      size[a] = static_cast<itk::SizeValueType>(grid.size[a]);
      spacing[a] = grid.geometry.spacing[a];
      origin[a] = grid.geometry.origin[a];
      for (int b = 0; b < 3; ++b) direction(a, b) = grid.geometry.direction[3 * a + b];
    }
    resampler->SetSize(size);
    resampler->SetOutputSpacing(spacing);
    resampler->SetOutputOrigin(origin);
    resampler->SetOutputDirection(direction);
    resampler->SetDefaultPixelValue(0.0f);
    update(resampler, "resampling");
    channels.push_back(from_itk(resampler->GetOutput()));
  }
  Volume out;
  out.voxels = torch::stack(channels, 0);
  if (labels) out.voxels = out.voxels.round().to(v.voxels.scalar_type());
  out.geometry = grid.geometry;
  return out;
}

torch::Tensor rgb_to_luminance(const torch::Tensor& rgb) {
  if (rgb.dim() != 4 || rgb.size(0) != 3) throw std::invalid_argument("rgb_to_luminance: expected [3, Z, Y, X]");
  using RgbImage = itk::Image<itk::RGBPixel<float>, 3>;
  const auto zyxc = rgb.to(torch::kFloat32).permute({1, 2, 3, 0}).contiguous();
  auto image = RgbImage::New();
  RgbImage::SizeType size;
  size[0] = static_cast<itk::SizeValueType>(rgb.size(3));
  size[1] = static_cast<itk::SizeValueType>(rgb.size(2));
  size[2] = static_cast<itk::SizeValueType>(rgb.size(1));
  RgbImage::RegionType region;
  region.SetSize(size);
  image->SetRegions(region);
  image->Allocate();
  static_assert(sizeof(itk::RGBPixel<float>) == 3 * sizeof(float), "RGBPixel<float> must be three packed floats");
  std::memcpy(static_cast<void*>(image->GetBufferPointer()), zyxc.data_ptr<float>(), sizeof(float) * zyxc.numel());
  auto filter = itk::RGBToLuminanceImageFilter<RgbImage, FloatImage>::New();
  filter->SetInput(image);
  update(filter, "RGB to luminance");
  return from_itk(filter->GetOutput()).unsqueeze(0);
}

}  // namespace mis::prep

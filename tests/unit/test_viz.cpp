// The pictures of viz/images.h, pixel by pixel against hand-computed colours.
#include <doctest/doctest.h>

#include <cmath>

#include "core/error.h"
#include "viz/images.h"

using namespace mis;

namespace {

std::vector<int> rgb_at(const torch::Tensor& image, int64_t y, int64_t x) {
  return {image[y][x][0].item<int>(), image[y][x][1].item<int>(), image[y][x][2].item<int>()};
}

torch::Tensor grey(int64_t h, int64_t w, int value) { return torch::full({h, w, 3}, value, torch::kUInt8); }

}  // namespace

TEST_CASE("display_rgb stretches between the 1st and 99th percentiles") {
  // Values 0..99: percentiles (linear interpolation) 0.99 and 98.01.
  const auto slice = torch::arange(100, torch::kFloat32).view({1, 10, 10});
  const auto image = display_rgb(slice);
  CHECK(image.sizes() == torch::IntArrayRef({10, 10, 3}));
  CHECK((image.scalar_type() == torch::kUInt8));
  CHECK(rgb_at(image, 0, 0) == std::vector<int>{0, 0, 0});          // below the 1st percentile: clipped
  CHECK(rgb_at(image, 9, 9) == std::vector<int>{255, 255, 255});    // above the 99th
  const int mid = static_cast<int>(std::lround((50 - 0.99) / (98.01 - 0.99) * 255));  // 129
  CHECK(rgb_at(image, 5, 0) == std::vector<int>{mid, mid, mid});
  CHECK(display_rgb(torch::full({1, 3, 3}, 7.0)).max().item<int>() == 0);  // constant: black
  // Three channels stay colour: a red-only slice is red.
  auto rgb = torch::zeros({3, 2, 2});
  rgb[0].fill_(1.0);
  rgb[1][0][0] = 0.5;
  const auto colour = display_rgb(rgb);
  CHECK(colour[1][1][0].item<int>() == 255);
  CHECK(colour[1][1][1].item<int>() == 0);
}

TEST_CASE("jet and the heat-map blend at chosen values") {
  const auto c = jet(torch::tensor({0.0, 0.5, 1.0, 2.0}).view({1, 4}));
  CHECK(torch::allclose(c[0][0], torch::tensor({0.0f, 0.0f, 0.5f})));   // dark blue
  CHECK(torch::allclose(c[0][1], torch::tensor({0.5f, 1.0f, 0.5f})));   // green-yellow
  CHECK(torch::allclose(c[0][2], torch::tensor({0.5f, 0.0f, 0.0f})));   // dark red
  CHECK(torch::allclose(c[0][3], c[0][2]));                             // clipped to 1
  // 0.5 * 100 + 0.5 * 255 * (0.5, 0, 0) = (113.75, 50, 50).
  const auto blended = heatmap_overlay(grey(2, 2, 100), torch::ones({2, 2}));
  CHECK(rgb_at(blended, 1, 1) == std::vector<int>{114, 50, 50});
}

TEST_CASE("Overlay: reference red, prediction green, overlap yellow") {
  auto ref = torch::zeros({4, 4}, torch::kBool), pred = torch::zeros({4, 4}, torch::kBool);
  ref[0][0] = true;
  ref[0][1] = true;
  pred[0][1] = true;
  pred[1][1] = true;
  const auto fill = mask_overlay(grey(4, 4, 100), ref, pred, OverlayStyle::fill);
  // 0.5 * 100 + 0.5 * 255 = 177.5 -> 178 (round half to even); 0.5 * 100 = 50.
  CHECK(rgb_at(fill, 0, 0) == std::vector<int>{178, 50, 50});
  CHECK(rgb_at(fill, 0, 1) == std::vector<int>{178, 178, 50});
  CHECK(rgb_at(fill, 1, 1) == std::vector<int>{50, 178, 50});
  CHECK(rgb_at(fill, 3, 3) == std::vector<int>{100, 100, 100});

  // Outlines: a 3x3 block's border pixels are drawn opaque, its centre is not.
  auto block = torch::zeros({5, 5}, torch::kBool);
  block.slice(0, 1, 4).slice(1, 1, 4).fill_(true);
  const auto none = torch::zeros({5, 5}, torch::kBool);
  const auto red = mask_overlay(grey(5, 5, 100), block, none, OverlayStyle::outline);
  CHECK(rgb_at(red, 1, 1) == std::vector<int>{255, 0, 0});
  CHECK(rgb_at(red, 2, 2) == std::vector<int>{100, 100, 100});
  CHECK(rgb_at(red, 0, 0) == std::vector<int>{100, 100, 100});
  const auto both = mask_overlay(grey(5, 5, 100), block, block, OverlayStyle::outline);
  CHECK(rgb_at(both, 1, 2) == std::vector<int>{255, 255, 0});
  // A mask touching the image border is outlined there too.
  const auto full = mask_overlay(grey(3, 3, 100), none.slice(0, 0, 3).slice(1, 0, 3), torch::ones({3, 3}, torch::kBool),
                                 OverlayStyle::outline);
  CHECK(rgb_at(full, 0, 1) == std::vector<int>{0, 255, 0});
  CHECK(rgb_at(full, 1, 1) == std::vector<int>{100, 100, 100});
  CHECK_THROWS_AS(parse_overlay_style("dots"), UserError);
}

TEST_CASE("enlarge_to repeats pixels by an integer factor") {
  const auto image = torch::arange(18, torch::kUInt8).view({2, 3, 3});
  const auto big = enlarge_to(image, 5);  // shorter side 2 -> factor 3
  CHECK(big.sizes() == torch::IntArrayRef({6, 9, 3}));
  CHECK(torch::equal(big[4][7], image[1][2]));
  CHECK(torch::equal(big[2][0], image[0][0]));
  CHECK(torch::equal(enlarge_to(image, 2), image));
}

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

TEST_CASE("viridis at its published end points, the heat-map blend and the colour bar") {
  // viridis's ends and middle as its authors publish them (bids.github.io/colormap; R's viridisLite
  // gives #440154, #21908C, #FDE725): in 8 bits, 0 -> #440154, 1 -> #FDE725, 0.5 -> #21908C +- 1.
  const auto c = (255 * viridis(torch::tensor({0.0, 0.5, 1.0, 2.0, -1.0, 0.999}).view({1, 6}))).round().to(torch::kInt);
  auto rgb = [&](int i) { return std::vector<int>{c[0][i][0].item<int>(), c[0][i][1].item<int>(), c[0][i][2].item<int>()}; };
  CHECK(rgb(0) == std::vector<int>{0x44, 0x01, 0x54});
  CHECK(rgb(2) == std::vector<int>{0xFD, 0xE7, 0x25});
  for (int k = 0; k < 3; ++k) CHECK(std::abs(rgb(1)[k] - std::vector<int>{0x21, 0x90, 0x8C}[k]) <= 1);
  CHECK(rgb(3) == rgb(2));  // clipped to 1
  CHECK(rgb(4) == rgb(0));  // clipped to 0
  CHECK(rgb(5) == rgb(2));  // 0.999 * 256 = 255.7: the last entry, as matplotlib's lookup
  // Lightness rises monotonically (the point of the map): Rec. 709 luma along 256 steps.
  const auto ramp = viridis(torch::linspace(0, 1, 256).view({1, 256}))[0];
  const auto luma = ramp.select(1, 0) * 0.2126 + ramp.select(1, 1) * 0.7152 + ramp.select(1, 2) * 0.0722;
  CHECK((luma.slice(0, 1) > luma.slice(0, 0, 255)).all().item<bool>());
  // 0.5 * 100 + 0.5 * 255 * (0.993248, 0.906157, 0.143936) = (176.6, 165.5, 68.4).
  const auto blended = heatmap_overlay(grey(2, 2, 100), torch::ones({2, 2}));
  CHECK(rgb_at(blended, 1, 1) == std::vector<int>{177, 166, 68});

  // The bar: 64 columns of image, 2 white, 6 of scale; yellow (1) on top, purple (0) at the bottom.
  const auto barred = with_colour_bar(grey(10, 64, 100));
  REQUIRE(barred.sizes() == torch::IntArrayRef({10, 64 + 2 + 6, 3}));
  CHECK(rgb_at(barred, 4, 63) == std::vector<int>{100, 100, 100});
  CHECK(rgb_at(barred, 4, 64) == std::vector<int>{255, 255, 255});
  CHECK(rgb_at(barred, 0, 70) == std::vector<int>{0xFD, 0xE7, 0x25});
  CHECK(rgb_at(barred, 9, 66) == std::vector<int>{0x44, 0x01, 0x54});
  CHECK(with_colour_bar(grey(4, 384, 0)).size(1) == 384 + 12 + 32);  // W / 32 gap, W / 12 bar
  CHECK(rgb_at(with_colour_bar(grey(1, 8, 0)), 0, 10) == std::vector<int>{0xFD, 0xE7, 0x25});  // one row: the top
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

// An RGB PNG written by viz/png.h reads back (through ITK) as the pixels that were written.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "data/volume_io.h"
#include "viz/png.h"

using namespace mis;

TEST_CASE("An RGB PNG reads back equal to what was written") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("mis_test_viz_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  torch::manual_seed(11);
  const auto image = torch::randint(0, 256, {5, 7, 3}, torch::kLong).to(torch::kUInt8);
  write_png_rgb(dir / "x.png", image);
  const Volume v = read_image_volume(dir / "x.png");  // [3, 1, 5, 7] float
  REQUIRE(v.voxels.sizes() == torch::IntArrayRef({3, 1, 5, 7}));
  CHECK(torch::equal(v.voxels[0][0], image.select(2, 0).to(torch::kFloat32)));  // red
  CHECK(torch::equal(v.voxels.select(1, 0).permute({1, 2, 0}).to(torch::kUInt8), image));
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 1);  // no temporary left beside it
  CHECK_THROWS_AS(write_png_rgb(dir / "x.jpg", image), UserError);
  fs::remove_all(dir);
}

// The pack that synth writes holds exactly what its NIfTI files hold: the same cases, voxels,
// labels and geometry, read through the two readers.
#include <doctest/doctest.h>

#include "data/nnunet_raw.h"
#include "data/pack.h"
#include "data/synth/synth_dataset.h"
#include "support.h"

using namespace mis;

TEST_CASE("pack (ITK): synth's packs read back exactly what its NIfTI files hold, in every domain and split") {
  TempDir tmp;
  SynthConfig config;
  config.output = (tmp.path / "bench").string();
  config.train_cases = 2;
  config.test_cases = 2;
  config.size = 32;
  config.slices = 3;
  config.domains = 2;
  write_synthetic_benchmark(config);
  int compared = 0;
  for (const auto& folder : dataset_folders_under(config.output)) {
    for (const std::string split : {"train", "test"}) {
      if (!fs::is_directory(folder / (split == "train" ? "imagesTr" : "imagesTs"))) continue;
      const NnunetRawDataset nifti(folder, split);
      const PackDataset pack(folder / PACK_FOLDER, split);
      CHECK(pack.info().class_names == nifti.info().class_names);
      CHECK(pack.info().channel_names == nifti.info().channel_names);
      CHECK(pack.source_fingerprint() == nifti.fingerprint());
      REQUIRE(pack.size() == nifti.size());
      for (std::size_t i = 0; i < nifti.size(); ++i) {
        const Case a = nifti.load(i), b = pack.load(i);
        CHECK(a.id == b.id);
        CHECK(torch::equal(a.image, b.image));
        CHECK(torch::equal(a.label, b.label));
        CHECK(a.geometry.spacing == b.geometry.spacing);
        CHECK(a.geometry.origin == b.geometry.origin);
        CHECK(a.geometry.direction == b.geometry.direction);
        ++compared;
      }
    }
  }
  CHECK(compared == 2 + 2 * 2);
}

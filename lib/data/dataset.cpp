#include "data/dataset.h"

#include "core/error.h"
#include "data/nnunet_raw.h"
#include "data/pack.h"
#include "data/volume_io.h"

namespace mis {

namespace fs = std::filesystem;

// The two layouts: a pack folder (pack.json) and nnU-Net v2's raw layout. A build without ITK
// cannot read the raw layout's images and reads the pack beside them (FOLDER/pack) instead, so
// that the same --data FOLDER works on a machine with ITK and on a GPU node without it; a
// folder without images (synth without ITK) is read through its pack everywhere.
std::unique_ptr<Dataset> open_dataset(const std::string& folder, const std::string& split) {
  const fs::path dir(folder);
  if (is_pack(dir)) return std::make_unique<PackDataset>(dir, split);
  const fs::path pack = dir / PACK_FOLDER;
  // A folder that holds only its pack (synth in a build without ITK writes no images).
  const bool has_images = fs::is_directory(dir / (split == "train" ? "imagesTr" : "imagesTs"));
  if (volume_io_available() && (has_images || !is_pack(pack))) return std::make_unique<NnunetRawDataset>(dir, split);
  if (is_pack(pack)) {
    auto packed = std::make_unique<PackDataset>(pack, split);
    // Images beside the pack must be the ones it was made from: hashing their bytes needs no ITK.
    if (has_images && NnunetRawDataset(dir, split).fingerprint() != packed->source_fingerprint())
      fail_file(pack, "was written from other images than those now beside it (they changed since); pack again "
                      "where ITK is available (mis-spectral pack " + dir.string() + ") and copy the new pack here");
    return packed;
  }
  if (fs::is_regular_file(dir / "dataset.json"))
    fail_file(dir, "holds NIfTI/PNG images, which this binary (built with -DMIS_WITH_ITK=OFF) cannot read, and no "
                   "pack (pack/pack.json); write one where ITK is available (mis-spectral pack " + dir.string() +
                   "; synth and preprocess write it themselves) and copy the folder's pack/ here");
  return std::make_unique<NnunetRawDataset>(dir, split);
}

}  // namespace mis

#pragma once
// Dataset packs: a dataset folder in LibTorch's own format, so that every build reads it, the
// ones without ITK included (a GPU node that has PyTorch and nothing else). The NIfTI/PNG files
// stay for people and other tools; the pack is what moves to such a machine.
//
//   FOLDER/pack/pack.json        {"format": "mis-spectral-pack/1", "name", "domain",
//                                 "channel_names", "class_names",
//                                 "splits": {"train": [ids], "test": [ids]},
//                                 "sources": {"train": fingerprint, "test": ...}, "written_by"}
//   FOLDER/pack/train/ID.pt      one checked archive per case (core/checked_archive.h): meta
//   FOLDER/pack/test/ID.pt       {"id", "domain", "geometry"}, state {"image": float32 [C,Z,Y,X],
//                                 "label": uint8 or int16 [Z,Y,X], absent without a reference}
//
// "sources" holds the fingerprint of the NIfTI files each split was packed from, so that a
// pack older than its images is noticed even where the images cannot be read.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace mis {

inline constexpr const char* PACK_FOLDER = "pack";

// Whether `dir` holds a pack (its pack.json).
bool is_pack(const std::filesystem::path& dir);

// Writes the pack of `train` and `test` (either may be null) into `pack_dir`, which must not
// exist yet or be empty (its callers stage it), marked as the `pack` command's output so that
// `pack` may replace it later. Returns the files written, relative to `pack_dir`.
std::vector<std::string> write_pack(const std::filesystem::path& pack_dir, const Dataset* train, const Dataset* test);

// Packs the splits of the dataset folder `folder` (nnU-Net v2 raw layout) that exist into
// `pack_dir` (emptied first). For synth and preprocess, which write it inside their staging folder.
// Returns the files written, relative to `pack_dir`.
std::vector<std::string> pack_dataset_folder(const std::filesystem::path& folder,
                                             const std::filesystem::path& pack_dir);

// The `pack` command: packs every dataset folder at or below `root` into its pack/ folder, each
// staged and replacing only an earlier pack. Returns the packs written.
std::vector<std::filesystem::path> pack_folders(const std::filesystem::path& root);

// The dataset folders at or below `root` (those with a dataset.json), root first; pack folders
// and hidden folders are skipped.
std::vector<std::filesystem::path> dataset_folders_under(const std::filesystem::path& root);

class PackDataset : public Dataset {
 public:
  // `pack_dir` holds pack.json; split is "train" or "test".
  PackDataset(std::filesystem::path pack_dir, const std::string& split);

  const DatasetInfo& info() const override { return info_; }
  std::size_t size() const override { return cases_.size(); }
  std::string case_id(std::size_t index) const override { return cases_.at(index); }
  Case load(std::size_t index) const override;
  std::string fingerprint() const override;
  std::string location() const override;

  // The fingerprint of the NIfTI files this split was packed from.
  const std::string& source_fingerprint() const { return source_fingerprint_; }

 private:
  std::filesystem::path case_path(const std::string& id) const;

  std::filesystem::path dir_;
  std::string split_, source_fingerprint_;
  DatasetInfo info_;
  std::vector<std::string> cases_;
};

}  // namespace mis

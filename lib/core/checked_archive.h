#pragma once
// A LibTorch archive that carries its own integrity check, for every file mis-spectral writes
// in LibTorch's format (checkpoints, dataset packs): a format tag, a metadata text and a state
// record (an inner archive, kept as bytes), the metadata and the state each with an FNV-1a
// checksum, so that a flipped or missing byte is noticed on load instead of silently changing
// weights or data. Written atomically (temporary name, checked writes, fsync, rename).
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mis {

// Writes `state` and `meta_text` under the tag `format` to `path`, atomically.
void save_checked_archive(const std::filesystem::path& path, const std::string& format, const std::string& meta_text,
                          torch::serialize::OutputArchive& state);

class CheckedArchive {
 public:
  // Opens `path`, a LibTorch archive tagged with one of `formats`. `kind` names the kind of
  // file in errors ("checkpoint"); `remedy` ends every error about a damaged file (what to do
  // instead). An unreadable file, another kind of file or a damaged one is a UserError naming `path`.
  CheckedArchive(const std::filesystem::path& path, const std::vector<std::string>& formats, const std::string& kind,
                 const std::string& remedy);

  const std::string& format() const { return format_; }
  // The metadata text, checked against its checksum unless `checksummed` is false (older
  // formats without one).
  std::string meta(bool checksummed = true);
  // The state record, checked against its checksum and unpacked; `contents` names what it holds
  // in the error for a damaged one ("weights").
  torch::serialize::InputArchive state(const std::string& contents);
  // The outer archive itself (for formats that kept the state there).
  torch::serialize::InputArchive& outer() { return archive_; }
  [[noreturn]] void fail_corrupt(const std::string& what) const;

 private:
  std::string read_string(const char* key);

  std::filesystem::path path_;
  std::string kind_, remedy_, format_;
  torch::serialize::InputArchive archive_;
};

}  // namespace mis

#pragma once
// Content fingerprints, so a result file can say exactly which data produced it.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mis {

// 64-bit FNV-1a, fed incrementally.
class Fnv1a64 {
 public:
  void add(const void* data, std::size_t size);
  void add(const std::string& s) { add(s.data(), s.size()); }
  std::uint64_t value() const { return h_; }
  std::string hex() const;

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

// FNV-1a of one string: a seed or key that is the same on every platform, unlike std::hash.
std::uint64_t fnv1a64(const std::string& s);

// Hash of the names and contents of `files` (in the given order).
std::string fingerprint_files(const std::vector<std::filesystem::path>& files);

}  // namespace mis

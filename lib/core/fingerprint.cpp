#include "core/fingerprint.h"

#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"

namespace mis {

void Fnv1a64::add(const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    h_ ^= p[i];
    h_ *= 0x100000001b3ull;
  }
}

std::uint64_t fnv1a64(const std::string& s) {
  Fnv1a64 h;
  h.add(s);
  return h.value();
}

std::string Fnv1a64::hex() const { return fmt::format("{:016x}", h_); }

std::string fingerprint_files(const std::vector<std::filesystem::path>& files) {
  Fnv1a64 h;
  std::vector<char> buffer(1 << 16);
  for (const auto& f : files) {
    h.add(f.filename().string());
    std::ifstream in(f, std::ios::binary);
    if (!in) fail_file(f, "cannot open to fingerprint");
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      h.add(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
  }
  return h.hex();
}

}  // namespace mis

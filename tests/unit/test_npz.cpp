// Tests of the .npy codec and .npz archives (models/npz.h): round trips, headers written by
// hand the way NumPy writes them (versions 1 and 2, Fortran order), and corrupt inputs.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "models/npz.h"
#include "support.h"

namespace {

namespace fs = std::filesystem;

// A .npy file from a header dict and raw little-endian bytes, as NumPy lays it out.
std::string npy_bytes(const std::string& dict, const std::string& payload, int version = 1) {
  std::string header = dict;
  const size_t prefix = version == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  const size_t n = header.size();
  out += static_cast<char>(n & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  if (version != 1) {
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>((n >> 24) & 0xff);
  }
  return out + header + payload;
}

template <typename T>
std::string raw(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof(T));
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace

TEST_CASE("npy: encode/decode round trip keeps shape and values") {
  for (const auto& shape : std::vector<std::vector<int64_t>>{{}, {5}, {2, 3}, {3, 3, 2, 4}, {0, 3}}) {
    const auto original = torch::randn(shape);
    const auto decoded = mis::decode_npy(mis::encode_npy(original), "round trip");
    CHECK((decoded.sizes() == original.sizes()));
    CHECK((decoded.scalar_type() == torch::kFloat32));
    CHECK(torch::equal(decoded, original));
  }
  // The header NumPy would write: data 64-byte aligned, one-tuples with a trailing comma.
  const std::string bytes = mis::encode_npy(torch::zeros({7}));
  CHECK((bytes.size() - 7 * 4) % 64 == 0);
  CHECK(bytes.find("'shape': (7,)") != std::string::npos);
  CHECK(bytes.find("'descr': '<f4'") != std::string::npos);
}

TEST_CASE("npy: headers as NumPy writes them (v1, v2, <f8, Fortran order)") {
  const auto c_order = mis::decode_npy(
      npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", raw<float>({0, 1, 2, 3, 4, 5})), "v1");
  CHECK((c_order.sizes() == torch::IntArrayRef{2, 3}));
  CHECK(c_order[1][0].item<float>() == 3.0f);

  const auto v2 = mis::decode_npy(
      npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", raw<double>({0.5, -1.25, 8}), 2), "v2");
  CHECK((v2.scalar_type() == torch::kFloat32));
  CHECK(torch::equal(v2, torch::tensor({0.5f, -1.25f, 8.0f})));

  // Fortran order: element [i][j] is at offset i + 2*j for shape (2, 3).
  const auto fortran = mis::decode_npy(
      npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", raw<float>({0, 1, 2, 3, 4, 5})), "F");
  CHECK(fortran[0][1].item<float>() == 2.0f);
  CHECK(fortran[1][0].item<float>() == 1.0f);
  CHECK(fortran[1][2].item<float>() == 5.0f);

  const auto scalar = mis::decode_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", raw<float>({7})), "s");
  CHECK(scalar.dim() == 0);
  CHECK(scalar.item<float>() == 7.0f);
}

TEST_CASE("npy: malformed input is a UserError naming its source") {
  const std::string good = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", raw<float>({1, 2}));
  auto fails_naming_source = [](const std::string& bytes, const std::string& expected_problem) {
    try {
      mis::decode_npy(bytes, "w.npz: entry a.npy");
      FAIL("decode_npy accepted a malformed array");
    } catch (const mis::UserError& e) {
      const std::string what = e.what();
      CHECK(what.rfind("w.npz: entry a.npy: ", 0) == 0);
      CHECK_MESSAGE(what.find(expected_problem) != std::string::npos, what);
    }
  };
  fails_naming_source(good.substr(0, good.size() - 1), "payload");            // truncated data
  fails_naming_source(good + "xx", "payload");                                // trailing junk
  fails_naming_source("NUMPY" + good.substr(6), "magic");                     // bad magic
  fails_naming_source(good.substr(0, 20), "truncated");                       // cut inside the header
  fails_naming_source(npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", raw<int64_t>({1})), "dtype");
  fails_naming_source(npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", raw<float>({1})), "dtype");
  fails_naming_source(npy_bytes("{'descr': '<f4', 'shape': (1,), }", raw<float>({1})), "fortran_order");
  fails_naming_source(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': [1], }", raw<float>({1})), "shape");
  fails_naming_source(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", raw<float>({1}), 9), "version");
}

#ifdef MIS_WITH_LIBZIP

TEST_CASE("npz: write/read round trip with ViT-style names") {
  TempDir dir;
  const fs::path file = dir.path / "weights.npz";
  std::map<std::string, torch::Tensor> arrays = {
      {"embedding/kernel", torch::randn({16, 16, 3, 8})},
      {"Transformer/encoderblock_0/MultiHeadDotProductAttention_1/query/kernel", torch::randn({8, 2, 4})},
      {"cls", torch::randn({1, 1, 8})},
      {"gn_root/scale", torch::randn({8}).to(torch::kFloat64)},
  };
  mis::write_npz(file, arrays);
  const auto back = mis::read_npz(file);
  REQUIRE(back.size() == arrays.size());
  for (const auto& [name, array] : arrays) {
    REQUIRE(back.count(name) == 1);
    CHECK(torch::equal(back.at(name), array.to(torch::kFloat32)));
  }
  // Entries are stored as np.savez stores them: "<name>.npy", uncompressed, so the raw .npy
  // bytes of an array appear verbatim in the archive.
  const std::string archive = read_file(file);
  CHECK(archive.find("embedding/kernel.npy") != std::string::npos);
  CHECK(archive.find(mis::encode_npy(arrays["cls"])) != std::string::npos);
}

TEST_CASE("npz: missing, corrupt or truncated archives are UserErrors naming the file") {
  TempDir dir;
  const fs::path good = dir.path / "good.npz";
  mis::write_npz(good, {{"a", torch::arange(64, torch::kFloat32)}, {"b", torch::ones({3, 3})}});
  const std::string bytes = read_file(good);

  auto fails_naming = [](const fs::path& file) {
    try {
      mis::read_npz(file);
      FAIL("read_npz accepted " << file);
    } catch (const mis::UserError& e) {
      CHECK_MESSAGE(std::string(e.what()).rfind(file.string(), 0) == 0, e.what());
    }
  };
  fails_naming(dir.path / "absent.npz");

  const fs::path junk = dir.path / "junk.npz";
  write_file(junk, std::string(300, 'x'));
  fails_naming(junk);

  const fs::path truncated = dir.path / "truncated.npz";
  write_file(truncated, bytes.substr(0, bytes.size() / 2));
  fails_naming(truncated);

  // One flipped byte inside array a's data: the entry's CRC no longer matches.
  const fs::path flipped = dir.path / "flipped.npz";
  std::string damaged = bytes;
  const size_t data = damaged.find(mis::encode_npy(torch::arange(64, torch::kFloat32)));
  REQUIRE(data != std::string::npos);
  damaged[data + 128 + 17] ^= 0x40;
  write_file(flipped, damaged);
  fails_naming(flipped);
}

#else

TEST_CASE("npz: a build without libzip says so") {
  CHECK_FALSE(mis::npz_supported());
  try {
    mis::read_npz("weights.npz");
    FAIL("read_npz worked without libzip");
  } catch (const mis::UserError& e) {
    CHECK(std::string(e.what()).find("libzip") != std::string::npos);
  }
}

#endif

// The .npy codec: a magic string, a version, a little-endian header length, a Python-dict
// header ({'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }) padded with spaces to
// a multiple of 64 bytes, then the raw data.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "models/npz.h"

namespace mis {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLength = 6;

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw UserError(source + ": " + problem);
}

uint32_t read_le(const std::string& bytes, size_t offset, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i) value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  return value;
}

// The text after `'key':` in the header dict, or fails. Keys are quoted with ' (NumPy) or ".
size_t find_value(const std::string& header, const std::string& key, const std::string& source) {
  for (const char quote : {'\'', '"'}) {
    const std::string quoted = std::string(1, quote) + key + quote;
    size_t at_key = header.find(quoted);
    if (at_key == std::string::npos) continue;
    size_t pos = at_key + quoted.size();
    while (pos < header.size() && std::isspace(static_cast<unsigned char>(header[pos]))) ++pos;
    if (pos >= header.size() || header[pos] != ':') fail(source, "malformed .npy header (no ':' after '" + key + "')");
    ++pos;
    while (pos < header.size() && std::isspace(static_cast<unsigned char>(header[pos]))) ++pos;
    return pos;
  }
  fail(source, "malformed .npy header (no '" + key + "' key)");
}

std::string parse_descr(const std::string& header, const std::string& source) {
  size_t pos = find_value(header, "descr", source);
  if (pos >= header.size() || (header[pos] != '\'' && header[pos] != '"'))
    fail(source, "malformed .npy header (descr is not a string)");
  const char quote = header[pos];
  const size_t end = header.find(quote, pos + 1);
  if (end == std::string::npos) fail(source, "malformed .npy header (unterminated descr)");
  return header.substr(pos + 1, end - pos - 1);
}

bool parse_fortran_order(const std::string& header, const std::string& source) {
  const size_t pos = find_value(header, "fortran_order", source);
  if (header.compare(pos, 4, "True") == 0) return true;
  if (header.compare(pos, 5, "False") == 0) return false;
  fail(source, "malformed .npy header (fortran_order is neither True nor False)");
}

// "(3, 4)", "(5,)", "()" -> dimensions.
std::vector<int64_t> parse_shape(const std::string& header, const std::string& source) {
  size_t pos = find_value(header, "shape", source);
  if (pos >= header.size() || header[pos] != '(') fail(source, "malformed .npy header (shape is not a tuple)");
  const size_t end = header.find(')', pos);
  if (end == std::string::npos) fail(source, "malformed .npy header (unterminated shape)");
  std::vector<int64_t> shape;
  size_t i = pos + 1;
  while (i < end) {
    while (i < end && (std::isspace(static_cast<unsigned char>(header[i])) || header[i] == ',')) ++i;
    if (i >= end) break;
    if (!std::isdigit(static_cast<unsigned char>(header[i])))
      fail(source, "malformed .npy header (shape holds '" + header.substr(pos, end - pos + 1) + "')");
    int64_t dim = 0;
    while (i < end && std::isdigit(static_cast<unsigned char>(header[i]))) {
      dim = dim * 10 + (header[i] - '0');
      if (dim > (int64_t(1) << 40)) fail(source, "implausible .npy shape");
      ++i;
    }
    // Python's long suffix (old NumPy under Python 2 wrote "(3L, 4L)").
    if (i < end && (header[i] == 'L' || header[i] == 'l')) ++i;
    shape.push_back(dim);
  }
  return shape;
}

}  // namespace

torch::Tensor decode_npy(const std::string& bytes, const std::string& source) {
  if (bytes.size() < kMagicLength + 4 || bytes.compare(0, kMagicLength, kMagic, kMagicLength) != 0)
    fail(source, "not a .npy array (bad magic string; truncated or corrupt?)");
  const int major = static_cast<unsigned char>(bytes[kMagicLength]);
  size_t header_start = 0, header_length = 0;
  if (major == 1) {
    header_start = kMagicLength + 4;
    header_length = read_le(bytes, kMagicLength + 2, 2);
  } else if (major == 2 || major == 3) {  // 3 differs from 2 only in allowing a UTF-8 header
    if (bytes.size() < kMagicLength + 6) fail(source, "truncated .npy header");
    header_start = kMagicLength + 6;
    header_length = read_le(bytes, kMagicLength + 2, 4);
  } else {
    fail(source, "unsupported .npy format version " + std::to_string(major) + " (expected 1, 2 or 3)");
  }
  if (bytes.size() < header_start + header_length) fail(source, "truncated .npy header");
  const std::string header = bytes.substr(header_start, header_length);

  const std::string descr = parse_descr(header, source);
  const bool fortran = parse_fortran_order(header, source);
  const std::vector<int64_t> shape = parse_shape(header, source);

  // '=' is native order, and every platform LibTorch runs this project on is little-endian.
  torch::ScalarType dtype;
  size_t item_size;
  if (descr == "<f4" || descr == "=f4") {
    dtype = torch::kFloat32;
    item_size = 4;
  } else if (descr == "<f8" || descr == "=f8") {
    dtype = torch::kFloat64;
    item_size = 8;
  } else {
    fail(source, "unsupported .npy dtype '" + descr + "' (expected little-endian float32 '<f4' or float64 '<f8')");
  }

  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  const size_t data_start = header_start + header_length;
  const size_t expected = static_cast<size_t>(count) * item_size;
  if (bytes.size() - data_start != expected)
    fail(source, "payload holds " + std::to_string(bytes.size() - data_start) + " bytes, the header announces " +
                     std::to_string(expected) + " (truncated or corrupt?)");

  // Fortran order stores the transpose's C order: read with the reversed shape, then permute back.
  std::vector<int64_t> stored_shape = shape;
  if (fortran) std::reverse(stored_shape.begin(), stored_shape.end());
  torch::Tensor array = torch::empty(stored_shape, torch::TensorOptions().dtype(dtype));
  if (expected > 0) std::memcpy(array.data_ptr(), bytes.data() + data_start, expected);
  if (fortran) {
    std::vector<int64_t> reverse_dims(shape.size());
    for (size_t i = 0; i < shape.size(); ++i) reverse_dims[i] = static_cast<int64_t>(shape.size() - 1 - i);
    array = array.permute(reverse_dims);
  }
  return array.to(torch::kFloat32).contiguous();
}

std::string encode_npy(const torch::Tensor& input) {
  torch::Tensor array = input.detach().to(torch::kCPU);
  if (array.scalar_type() != torch::kFloat64) array = array.to(torch::kFloat32);
  array = array.contiguous();
  const bool is_double = array.scalar_type() == torch::kFloat64;

  std::string shape = "(";
  for (int64_t d : array.sizes()) shape += std::to_string(d) + ", ";
  if (array.dim() == 1) shape.pop_back();  // "(5,)", Python's one-tuple
  else if (array.dim() > 1) shape.erase(shape.size() - 2);
  shape += ")";
  std::string header = std::string("{'descr': '") + (is_double ? "<f8" : "<f4") +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces and a final newline so the data starts 64-byte aligned, as NumPy does.
  const size_t unpadded = kMagicLength + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  if (header.size() > 65535) throw UserError("encode_npy: shape too long for a version-1 .npy header");

  std::string out(kMagic, kMagicLength);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(static_cast<const char*>(array.data_ptr()), array.numel() * array.element_size());
  return out;
}

}  // namespace mis

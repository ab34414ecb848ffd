#include "core/checked_archive.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/files.h"
#include "core/fingerprint.h"

namespace mis {

namespace {

std::string checksum_of(const void* data, std::size_t size) {
  Fnv1a64 h;
  h.add(data, size);
  return "fnv1a64:" + h.hex();
}

// Serialises through LibTorch's writer callback. A failed write is remembered rather than
// thrown: an exception inside the writer would surface again from its destructor, which
// ends the process (std::terminate); the caller checks close() once the writer is done.
class CheckedFileSink {
 public:
  explicit CheckedFileSink(const std::filesystem::path& file)
      : fd_(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {
    if (fd_ < 0) error_ = errno;
  }
  ~CheckedFileSink() { close(); }
  std::size_t operator()(const void* data, std::size_t size) {
    if (error_ == 0) error_ = write_all(fd_, data, size);
    return size;  // always "written": see the class comment
  }
  // Closes the file; the error of the first failed call, or 0.
  int close() {
    if (fd_ >= 0 && ::close(fd_) != 0 && error_ == 0) error_ = errno;
    fd_ = -1;
    return error_;
  }

 private:
  int fd_;
  int error_ = 0;
};

}  // namespace

void save_checked_archive(const std::filesystem::path& path, const std::string& format, const std::string& meta_text,
                          torch::serialize::OutputArchive& state) {
  std::string state_bytes;
  state.save_to([&state_bytes](const void* data, std::size_t size) {
    state_bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(format));
  archive.write("meta", c10::IValue(meta_text));
  archive.write("meta_checksum", c10::IValue(checksum_of(meta_text.data(), meta_text.size())));
  archive.write("checksum", c10::IValue(checksum_of(state_bytes.data(), state_bytes.size())));
  archive.write("state", torch::from_blob(state_bytes.data(), {static_cast<int64_t>(state_bytes.size())}, torch::kUInt8));
  write_atomic_with(path, [&](const std::filesystem::path& tmp) {
    CheckedFileSink sink(tmp);
    archive.save_to([&sink](const void* data, std::size_t size) { return sink(data, size); });
    if (const int error = sink.close()) fail_write(path, std::strerror(error));
  });
}

CheckedArchive::CheckedArchive(const std::filesystem::path& path, const std::vector<std::string>& formats,
                               const std::string& kind, const std::string& remedy)
    : path_(path), kind_(kind), remedy_(remedy) {
  try {
    archive_.load_from(path.string());
  } catch (const c10::Error&) {
    fail_corrupt("truncated or corrupt?");
  }
  c10::IValue value;
  if (!archive_.try_read("format", value) || !value.isString() ||
      std::find(formats.begin(), formats.end(), value.toStringRef()) == formats.end())
    fail_file(path, "not a mis-spectral " + kind + " (expected format " + formats.front() + ")");
  format_ = value.toStringRef();
}

void CheckedArchive::fail_corrupt(const std::string& what) const {
  fail_file(path_, "not a readable " + kind_ + " (" + what + "); " + remedy_);
}

std::string CheckedArchive::read_string(const char* key) {
  c10::IValue value;
  if (!archive_.try_read(key, value) || !value.isString()) fail_corrupt(std::string("no '") + key + "' record");
  return value.toStringRef();
}

std::string CheckedArchive::meta(bool checksummed) {
  std::string meta = read_string("meta");
  if (checksummed && checksum_of(meta.data(), meta.size()) != read_string("meta_checksum"))
    fail_corrupt("its metadata does not match the checksum stored with it: the file is damaged");
  return meta;
}

torch::serialize::InputArchive CheckedArchive::state(const std::string& contents) {
  torch::Tensor bytes;
  if (!archive_.try_read("state", bytes) || bytes.scalar_type() != torch::kUInt8 || bytes.dim() != 1)
    fail_corrupt("no state record");
  bytes = bytes.contiguous();
  if (checksum_of(bytes.data_ptr(), static_cast<std::size_t>(bytes.numel())) != read_string("checksum"))
    fail_corrupt("its " + contents + " do not match the checksum stored with them: the file is damaged");
  torch::serialize::InputArchive state;
  try {
    state.load_from(static_cast<const char*>(bytes.data_ptr()), static_cast<std::size_t>(bytes.numel()));
  } catch (const c10::Error&) {
    fail_corrupt("its state record cannot be read");
  }
  return state;
}

}  // namespace mis

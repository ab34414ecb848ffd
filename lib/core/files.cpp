#include "core/files.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace mis {

namespace {

fs::path temporary_sibling(const fs::path& path) {
  // The real name stays the suffix: writers such as ITK choose the format by extension.
  return path.parent_path() / (".tmp" + std::to_string(::getpid()) + "." + path.filename().string());
}

}  // namespace

std::string read_text_file(const fs::path& path) {
  require_exists(path, "expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_file(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_atomic_with(const fs::path& path, const std::function<void(const fs::path& tmp)>& write) {
  if (!path.parent_path().empty()) ensure_writable_dir(path.parent_path());
  const fs::path tmp = temporary_sibling(path);
  try {
    write(tmp);
    fs::rename(tmp, path);
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

void write_text_atomic(const fs::path& path, const std::string& content) {
  write_atomic_with(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) fail_file(path, std::string("cannot write: ") + std::strerror(errno));
  });
}

void ensure_writable_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail_file(dir, "cannot create folder: " + ec.message());
  if (!fs::is_directory(dir)) fail_file(dir, "exists but is not a folder");
  if (::access(dir.c_str(), W_OK) != 0)
    fail_file(dir, std::string("folder is not writable: ") + std::strerror(errno));
}

void require_exists(const fs::path& path, const std::string& what) {
  if (!fs::exists(path)) fail_file(path, "does not exist (" + what + ")");
}

StagingDir::StagingDir(fs::path final_dir) : final_(std::move(final_dir)) {
  const fs::path parent = final_.parent_path().empty() ? fs::path(".") : final_.parent_path();
  ensure_writable_dir(parent);
  staging_ = parent / ("." + final_.filename().string() + ".partial" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(staging_, ec);
  fs::create_directories(staging_, ec);
  if (ec) fail_file(staging_, "cannot create folder: " + ec.message());
}

StagingDir::~StagingDir() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void StagingDir::commit() {
  std::error_code ec;
  if (fs::exists(final_)) {
    // Move the old folder aside first so that a crash in between leaves one complete copy.
    const fs::path old = final_.parent_path() / ("." + final_.filename().string() + ".old" + std::to_string(::getpid()));
    fs::rename(final_, old, ec);
    if (ec) fail_file(final_, "cannot replace existing folder: " + ec.message());
    fs::rename(staging_, final_, ec);
    fs::remove_all(old);
  } else {
    fs::rename(staging_, final_, ec);
  }
  if (ec) fail_file(final_, "cannot move finished output into place: " + ec.message());
  committed_ = true;
}

}  // namespace mis

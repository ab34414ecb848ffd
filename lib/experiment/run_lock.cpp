#include "experiment/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

namespace mis {

namespace fs = std::filesystem;

namespace {

int open_run_lock_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);  // CLOEXEC: no child keeps it
  if (fd < 0)
    fail_file(path, fmt::format("cannot create the run's lock file ({}); check the results folder's permissions",
                                std::strerror(errno)));
  return fd;
}

// Writes "pid host" into the lock file (for run_lock_holder); best effort.
void describe_lock_holder(int fd) {
  const std::string text = fmt::format("{} {}\n", ::getpid(), this_host_name());
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const auto written = ::pwrite(fd, text.data(), text.size(), 0);
  }
}

}  // namespace

std::string this_host_name() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return host.data();
}

fs::path run_lock_path(const fs::path& run_dir) { return run_dir / "run.lock"; }

std::optional<RunLock> RunLock::try_acquire(const fs::path& run_dir) {
  const fs::path path = run_lock_path(run_dir);
  const int fd = open_run_lock_file(path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) return std::nullopt;
    fail_file(path, fmt::format("cannot lock ({}); the file system may not support flock", std::strerror(error)));
  }
  describe_lock_holder(fd);
  return RunLock(fd);
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::optional<std::string> run_lock_holder(const fs::path& run_dir) {
  const fs::path path = run_lock_path(run_dir);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      std::array<char, 256> text{};
      const auto n = ::pread(fd, text.data(), text.size() - 1, 0);
      std::string s(text.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
      while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
      const auto space = s.find(' ');
      holder = space == std::string::npos ? (s.empty() ? "another process" : "process " + s)
                                          : fmt::format("process {} on {}", s.substr(0, space), s.substr(space + 1));
    }
  }
  ::close(fd);  // also releases the shared lock taken to probe
  return holder;
}

}  // namespace mis

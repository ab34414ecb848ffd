#include "core/stderr_filter.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <sstream>

namespace mis {

namespace {

// One capture for the whole process, since file descriptor 2 is process-wide.
struct Capture {
  std::mutex mutex;
  int depth = 0;          // filters alive
  int saved_stderr = -1;  // the real stderr, while capturing
  int memory_file = -1;   // where fd 2 points meanwhile
  std::string prefix;     // of the lines to drop (the first filter's)
};

Capture& capture() {
  static Capture c;
  return c;
}

// Replays the captured text to `fd` without the lines that start with `prefix`.
void replay(int from, int fd, const std::string& prefix) {
  std::string text;
  char buffer[4096];
  ::lseek(from, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(from, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  std::istringstream lines(text);
  std::string kept;
  for (std::string line; std::getline(lines, line);) {
    if (line.compare(0, prefix.size(), prefix) == 0) continue;
    kept += line;
    if (!lines.eof()) kept += '\n';
  }
  for (std::size_t done = 0; done < kept.size();) {
    const ssize_t n = ::write(fd, kept.data() + done, kept.size() - done);
    if (n <= 0) break;  // stderr is gone: nothing to report to
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

StderrFilter::StderrFilter(std::string prefix) : prefix_(std::move(prefix)) {
  Capture& c = capture();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (c.depth++ > 0) return;
  std::fflush(stderr);
  c.prefix = prefix_;
  c.memory_file = ::memfd_create("mis-stderr", MFD_CLOEXEC);
  c.saved_stderr = c.memory_file >= 0 ? ::dup(STDERR_FILENO) : -1;
  if (c.saved_stderr < 0 || ::dup2(c.memory_file, STDERR_FILENO) < 0) {
    // Cannot capture: let the library print as it would have.
    if (c.memory_file >= 0) ::close(c.memory_file);
    if (c.saved_stderr >= 0) ::close(c.saved_stderr);
    c.memory_file = c.saved_stderr = -1;
  }
}

StderrFilter::~StderrFilter() {
  Capture& c = capture();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (--c.depth > 0 || c.saved_stderr < 0) return;
  std::fflush(stderr);
  ::dup2(c.saved_stderr, STDERR_FILENO);
  replay(c.memory_file, STDERR_FILENO, c.prefix);
  ::close(c.saved_stderr);
  ::close(c.memory_file);
  c.memory_file = c.saved_stderr = -1;
}

}  // namespace mis

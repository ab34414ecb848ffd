#include "core/files.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/json.h"

namespace mis {

namespace {

// ".tmp<PID>.<name>": the real name stays the suffix, since writers such as ITK choose the
// format by extension, and the PID says whose it is (remove_stale_temporaries).
fs::path temporary_sibling(const fs::path& path) {
  return path.parent_path() / (".tmp" + std::to_string(::getpid()) + "." + path.filename().string());
}

// Whether a process with this id still runs (kill with signal 0 only asks).
bool process_alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

// The PID in "<prefix><PID>" or "<prefix><PID>.<rest>", or -1.
pid_t pid_after(const std::string& name, const std::string& prefix) {
  if (name.compare(0, prefix.size(), prefix) != 0) return -1;
  std::size_t i = prefix.size(), end = i;
  while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
  if (end == i || (end < name.size() && name[end] != '.')) return -1;
  return static_cast<pid_t>(std::stol(name.substr(i, end - i)));
}

// fsync: data a rename makes visible must be on disk first, and a delayed allocation failure
// (a full disk noticed only now) must surface here rather than as a truncated file later.
void flush_to_disk(const fs::path& file, const fs::path& reported) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_write(reported, std::string("the writer produced no file: ") + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL) fail_write(reported, std::strerror(err));  // EINVAL: a file system without fsync
}

fs::path folder_or_dot(const fs::path& p) { return p.empty() ? fs::path(".") : p; }

// "out/" names the folder "out".
fs::path without_trailing_slash(fs::path p) { return p.filename().empty() ? p.parent_path() : p; }

}  // namespace

void fail_write(const fs::path& path, const std::string& reason) {
  fail_file(path, "cannot write (" + reason + "); disk full? Free space or choose another output location");
}

std::string read_text_file(const fs::path& path) {
  require_exists(path, "expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_file(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : ENOSPC;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

void write_bytes(const fs::path& file, const void* data, std::size_t size, const fs::path& reported) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail_write(reported, std::strerror(errno));
  if (const int error = write_all(fd, data, size)) {
    ::close(fd);
    fail_write(reported, std::strerror(error));
  }
  if (::close(fd) != 0) fail_write(reported, std::strerror(errno));
}

void write_atomic_with(const fs::path& path, const std::function<void(const fs::path& tmp)>& write) {
  if (!path.parent_path().empty()) ensure_writable_dir(path.parent_path());
  const fs::path tmp = temporary_sibling(path);
  try {
    write(tmp);
    flush_to_disk(tmp, path);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) fail_file(path, "cannot move the finished file into place: " + ec.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

void write_text_atomic(const fs::path& path, const std::string& content) {
  write_atomic_with(path, [&](const fs::path& tmp) { write_bytes(tmp, content.data(), content.size(), path); });
}

void write_texts_atomic(const std::vector<std::pair<fs::path, std::string>>& files) {
  std::vector<fs::path> temporaries;
  const auto remove_temporaries = [&temporaries] {
    std::error_code ignored;
    for (const auto& t : temporaries) fs::remove(t, ignored);
  };
  // A folder in the way is the one thing that makes a rename fail after the writes worked:
  // refuse it before anything is written, so that no file of the group is replaced alone.
  for (const auto& file : files)
    if (fs::is_directory(file.first)) fail_file(file.first, "is a folder; choose another output name");
  try {
    for (const auto& [path, content] : files) {
      if (!path.parent_path().empty()) ensure_writable_dir(path.parent_path());
      temporaries.push_back(temporary_sibling(path));
      write_bytes(temporaries.back(), content.data(), content.size(), path);
      flush_to_disk(temporaries.back(), path);
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
      std::error_code ec;
      fs::rename(temporaries[i], files[i].first, ec);
      if (ec) fail_file(files[i].first, "cannot move the finished file into place: " + ec.message());
    }
  } catch (...) {
    remove_temporaries();
    throw;
  }
}

void remove_stale_temporaries(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const pid_t pid = pid_after(name, ".tmp");
    if (pid > 0 && !process_alive(pid) && entry.is_regular_file()) fs::remove(entry.path(), ec);
  }
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

bool path_within(const fs::path& child, const fs::path& parent) {
  const fs::path c = fs::weakly_canonical(fs::absolute(child)).lexically_normal();
  const fs::path p = fs::weakly_canonical(fs::absolute(parent)).lexically_normal();
  auto ci = c.begin();
  for (auto pi = p.begin(); pi != p.end(); ++pi, ++ci) {
    if (pi->empty()) continue;  // the empty last element of "a/b/"
    if (ci == c.end() || *ci != *pi) return false;
  }
  return true;
}

namespace {

// The command named by `dir`'s marker, or "" when there is none (or it is unreadable).
std::string marker_command(const fs::path& dir) {
  const fs::path marker = dir / OUTPUT_MARKER;
  if (!fs::is_regular_file(marker)) return "";
  std::ifstream in(marker);
  const json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("written_by") && j["written_by"].is_string() ? j["written_by"].get<std::string>()
                                                                                   : "";
}

}  // namespace

bool is_command_output(const fs::path& dir) { return !marker_command(dir).empty(); }

void mark_command_output(const fs::path& dir, const std::string& command) {
  write_text_atomic(dir / OUTPUT_MARKER,
                    json{{"written_by", "mis-spectral " + command},
                         {"note", "this folder is replaced whenever the command that wrote it runs again"}}
                            .dump(2) + "\n");
}

void claim_output_folder(const fs::path& dir, const std::string& command, const std::string& option) {
  require_replaceable_output(dir, command, option);
  ensure_writable_dir(dir);
  mark_command_output(dir, command);
}

void require_replaceable_output(const fs::path& dir_in, const std::string& command, const std::string& option) {
  const fs::path dir = without_trailing_slash(dir_in);
  if (!fs::exists(dir)) return;
  if (!fs::is_directory(dir)) fail_file(dir, "exists and is not a folder; choose another " + option);
  if (fs::is_empty(dir)) return;
  const std::string owner = marker_command(dir);
  if (owner == "mis-spectral " + command) return;
  if (!owner.empty())
    fail_file(dir, "holds the output of " + owner + ", which " + command + " will not replace; choose another " + option);
  fail_file(dir, "exists, is not empty and was not written by mis-spectral " + command + " (it has no " + OUTPUT_MARKER +
                     "), so it is left alone; choose another " + option + " or empty the folder yourself");
}

void refuse_output_over_inputs(const fs::path& output, const std::vector<fs::path>& inputs, const std::string& option) {
  for (const auto& input : inputs)
    if (path_within(input, output))
      fail_file(output, option + " is, or contains, the input " + input.string() +
                            ", and writing it would delete that input; choose an output folder outside it (inside is fine)");
}

void replace_folder(const fs::path& staging, const fs::path& final_dir) {
  std::error_code ec;
  if (!fs::exists(final_dir)) {
    fs::rename(staging, final_dir, ec);
    if (ec) fail_file(final_dir, "cannot move the finished output into place: " + ec.message());
    return;
  }
  const fs::path old = final_dir.parent_path() / ("." + final_dir.filename().string() + ".old" + std::to_string(::getpid()));
  fs::remove_all(old, ec);
  fs::rename(final_dir, old, ec);
  if (ec) fail_file(final_dir, "cannot replace the existing folder: " + ec.message());
  fs::rename(staging, final_dir, ec);
  if (ec) {
    std::error_code ignored;
    fs::rename(old, final_dir, ignored);  // put the previous output back
    fail_file(final_dir, "cannot move the finished output into place: " + ec.message());
  }
  fs::remove_all(old, ec);
}

StagingDir::StagingDir(fs::path final_dir, std::string command, std::string option)
    : final_(without_trailing_slash(std::move(final_dir))), command_(std::move(command)), option_(std::move(option)) {
  require_replaceable_output(final_, command_, option_);
  const fs::path parent = folder_or_dot(final_.parent_path());
  ensure_writable_dir(parent);
  // Staging folders of this output left by killed processes.
  const std::string prefix = "." + final_.filename().string() + ".partial";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const pid_t pid = pid_after(entry.path().filename().string(), prefix);
    if (pid > 0 && !process_alive(pid)) fs::remove_all(entry.path(), ec);
  }
  staging_ = parent / (prefix + std::to_string(::getpid()));
  fs::remove_all(staging_, ec);
  fs::create_directories(staging_, ec);
  if (ec) fail_file(staging_, "cannot create folder: " + ec.message());
  mark_command_output(staging_, command_);
}

StagingDir::~StagingDir() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void StagingDir::commit() {
  require_replaceable_output(final_, command_, option_);  // the folder may have changed meanwhile
  replace_folder(staging_, final_);
  committed_ = true;
}

}  // namespace mis

#include "preprocess/resumable_staging.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/files.h"

namespace mis::prep {

namespace fs = std::filesystem;

ResumableStagingDir::ResumableStagingDir(fs::path final_dir) : final_(std::move(final_dir)) {
  if (final_.filename().empty()) final_ = final_.parent_path();  // "out/" -> "out"
  const fs::path parent = final_.parent_path().empty() ? fs::path(".") : final_.parent_path();
  ensure_writable_dir(parent);
  require_replaceable_output(final_, "preprocess", "--output");
  staging_ = parent / (final_.filename().string() + ".partial");
  if (fs::exists(staging_) && !fs::is_directory(staging_))
    fail_file(staging_, "exists and is not a folder; remove it");
  resumed_ = fs::is_directory(staging_);
  ensure_writable_dir(staging_);
  const fs::path lock = staging_ / ".lock";
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) fail_file(lock, std::string("cannot create lock file: ") + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    fail_file(staging_, "another preprocess run is writing this folder; wait for it to finish (or stop it) and retry");
  }
  mark_command_output(staging_, "preprocess");
}

ResumableStagingDir::~ResumableStagingDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

void ResumableStagingDir::commit() {
  std::error_code ec;
  fs::remove(staging_ / ".lock", ec);
  require_replaceable_output(final_, "preprocess", "--output");  // the folder may have changed meanwhile
  replace_folder(staging_, final_);
  committed_ = true;
}

}  // namespace mis::prep

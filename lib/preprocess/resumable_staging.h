#pragma once
// A staging folder that survives an interrupted run. Like StagingDir (core/files.h) the output
// appears under its final name only on commit(), but the staging folder has a fixed name,
// FINAL.partial, next to FINAL, and is kept (not deleted) when the process fails or is killed,
// so that a rerun finds the cases already done there and skips them. An exclusive lock
// (FINAL.partial/.lock, flock) stops two runs from filling the same folder at once. As with
// StagingDir, an existing FINAL is replaced only when it is empty or an earlier preprocess
// output (core/files.h require_replaceable_output): never a folder of the user's.
#include <filesystem>

namespace mis::prep {

class ResumableStagingDir {
 public:
  explicit ResumableStagingDir(std::filesystem::path final_dir);
  ~ResumableStagingDir();  // releases the lock; keeps the folder unless it was committed
  ResumableStagingDir(const ResumableStagingDir&) = delete;
  ResumableStagingDir& operator=(const ResumableStagingDir&) = delete;

  const std::filesystem::path& path() const { return staging_; }
  // True when the folder already existed (a previous run was interrupted).
  bool resumed() const { return resumed_; }

  // Removes the lock file, moves the staging folder to the final name (an older preprocess
  // output there is moved aside first and deleted after, so one complete copy exists at every
  // moment).
  void commit();

 private:
  std::filesystem::path final_;
  std::filesystem::path staging_;
  int lock_fd_ = -1;
  bool resumed_ = false;
  bool committed_ = false;
};

}  // namespace mis::prep

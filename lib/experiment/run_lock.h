#pragma once
// Run locks: one process at a time per run folder (see RunLock).
#include <filesystem>
#include <optional>
#include <string>

namespace mis {

// One process at a time per run: `run` holds an exclusive flock on RUN_DIR/run.lock while it
// trains or evaluates that run, so two `run`s on one results folder (two Slurm array tasks
// with overlapping shards, a second terminal) share the runs instead of both doing each one.
// The kernel releases the lock when its process dies, however it dies, so the lock of a killed
// process is free for the next `run` to take: the file staying behind means nothing by itself.
// The file holds the holder's pid and host, for --dry-run to say who is running it. flock works
// on local file systems and on NFS (Linux emulates it with POSIX locks); Lustre needs the
// "flock" mount option.
class RunLock {
 public:
  // Takes the lock of `run_dir` (creating run.lock), or nothing when another process holds it.
  static std::optional<RunLock> try_acquire(const std::filesystem::path& run_dir);

  RunLock(RunLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RunLock& operator=(RunLock&&) = delete;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();

 private:
  explicit RunLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

std::filesystem::path run_lock_path(const std::filesystem::path& run_dir);

// Who holds the lock of `run_dir` ("process 1234 on node7"), or nothing when it is free or the
// folder has no lock file. Creates nothing (for --dry-run).
std::optional<std::string> run_lock_holder(const std::filesystem::path& run_dir);

// This machine's host name ("" when it cannot be had), recorded with a lock's holder and in
// run.json's "process".
std::string this_host_name();

}  // namespace mis

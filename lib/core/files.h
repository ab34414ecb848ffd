#pragma once
// File-system helpers whose point is that no reader ever sees a half-written output and that
// no command ever deletes what it did not write:
// * every file is written beside its destination under a temporary name, checked, flushed to
//   disk and renamed into place; a failed write (a full disk, say) leaves nothing behind and is
//   a UserError naming the file;
// * a command replaces an output folder only when the folder is empty or carries the marker
//   that the same command wrote into it (OUTPUT_MARKER), never a folder of the user's.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace mis {

namespace fs = std::filesystem;

std::string read_text_file(const fs::path& path);

// Writes `content` to a temporary file next to `path` with checked writes and fsync, then
// renames it over `path`.
void write_text_atomic(const fs::path& path, const std::string& content);

// Writes several files that belong together (a result and its Markdown): all are written and
// checked under temporary names before any is renamed, so a failure leaves none of them.
void write_texts_atomic(const std::vector<std::pair<fs::path, std::string>>& files);

// Calls `write(tmp)` to produce the file at a temporary path next to `path`, flushes it to
// disk, then renames. If `write` or the flush fails, the temporary file is removed and `path`
// is untouched. `write` must itself check what it wrote (writers such as ITK's may not report
// a short write): see write_bytes for raw bytes.
void write_atomic_with(const fs::path& path, const std::function<void(const fs::path& tmp)>& write);

// Writes `size` bytes to `file` (created or truncated) with checked write(2) calls; `reported`
// is the path an error names (the final one, not the temporary).
void write_bytes(const fs::path& file, const void* data, std::size_t size, const fs::path& reported);

// Writes all `size` bytes to the open descriptor `fd`, retrying short writes and EINTR; returns
// 0, or the errno of the failure (ENOSPC for a write that wrote nothing). Throws nothing, for
// callers that must not throw (a callback inside another library's writer).
int write_all(int fd, const void* data, std::size_t size);

// The UserError every failed write ends in: "<path>: cannot write (<reason>); disk full? ...".
[[noreturn]] void fail_write(const fs::path& path, const std::string& reason);

// Removes temporaries (".tmp<PID>.<name>") in `dir` left by processes that no longer run
// (killed mid-write); those of live processes are left alone.
void remove_stale_temporaries(const fs::path& dir);

// Creates `dir` (and parents) and proves it is writable, or throws a UserError naming it.
void ensure_writable_dir(const fs::path& dir);

// Throws a UserError "<path>: does not exist (<what>)" when the path is missing.
void require_exists(const fs::path& path, const std::string& what);

// Whether `child` is `parent` or lies below it (after resolving "..", "." and symbolic links).
bool path_within(const fs::path& child, const fs::path& parent);

// The file that marks a folder as written by a mis-spectral command: {"written_by": COMMAND}.
inline constexpr const char* OUTPUT_MARKER = ".mis-spectral-output.json";

// Whether `dir` is an output folder a mis-spectral command wrote (readers skip such folders
// when they search an input folder that holds one, e.g. a report inside its results).
bool is_command_output(const fs::path& dir);

// Throws a UserError unless `dir` is absent, an empty folder, or a folder that `command`
// wrote itself (its OUTPUT_MARKER names the command): anything else belongs to the user.
void require_replaceable_output(const fs::path& dir, const std::string& command, const std::string& option);

// Throws a UserError when the output folder is one of the inputs or contains one: replacing
// it would delete what the command reads. An output inside an input is allowed.
void refuse_output_over_inputs(const fs::path& output, const std::vector<fs::path>& inputs, const std::string& option);

// A folder that is filled under a temporary name and appears under its final name only
// when commit() is called. Until then (and if the process dies) nothing at `final`
// looks complete; the destructor removes an uncommitted staging folder. It replaces only
// what require_replaceable_output allows, checked before any work and again at commit.
class StagingDir {
 public:
  // `command` ("synth", "report") is recorded in the marker; `option` ("--out") names the flag
  // in errors.
  StagingDir(fs::path final_dir, std::string command, std::string option);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  const fs::path& path() const { return staging_; }
  // Moves the staging folder to its final name, replacing an older output of the same command.
  void commit();

 private:
  fs::path final_;
  fs::path staging_;
  std::string command_;
  std::string option_;
  bool committed_ = false;
};

// For outputs written file by file into a folder (predictions, images): checks the folder with
// require_replaceable_output, creates it and marks it as `command`'s.
void claim_output_folder(const fs::path& dir, const std::string& command, const std::string& option);

// Writes OUTPUT_MARKER into `dir` for `command` (StagingDir does this itself).
void mark_command_output(const fs::path& dir, const std::string& command);

// Replaces `final_dir` by the finished `staging` folder: the old folder (which the caller has
// checked with require_replaceable_output) is moved aside first, so that a crash in between
// leaves one complete copy, and is put back if the move fails.
void replace_folder(const fs::path& staging, const fs::path& final_dir);

}  // namespace mis

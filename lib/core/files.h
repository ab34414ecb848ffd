#pragma once
// File-system helpers whose point is that no reader ever sees a half-written output:
// everything is written beside its destination and renamed into place.
#include <filesystem>
#include <functional>
#include <string>

namespace mis {

namespace fs = std::filesystem;

std::string read_text_file(const fs::path& path);

// Writes `content` to a temporary file next to `path`, then renames it over `path`.
void write_text_atomic(const fs::path& path, const std::string& content);

// Calls `write(tmp)` to produce the file at a temporary path next to `path`, then renames.
// If `write` throws, the temporary file is removed and `path` is untouched.
void write_atomic_with(const fs::path& path, const std::function<void(const fs::path& tmp)>& write);

// Creates `dir` (and parents) and proves it is writable, or throws a UserError naming it.
void ensure_writable_dir(const fs::path& dir);

// Throws a UserError "<path>: does not exist (<what>)" when the path is missing.
void require_exists(const fs::path& path, const std::string& what);

// A folder that is filled under a temporary name and appears under its final name only
// when commit() is called. Until then (and if the process dies) nothing at `final`
// looks complete; the destructor removes an uncommitted staging folder.
class StagingDir {
 public:
  explicit StagingDir(fs::path final_dir);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  const fs::path& path() const { return staging_; }
  // Moves the staging folder to its final name, replacing an older folder there.
  void commit();

 private:
  fs::path final_;
  fs::path staging_;
  bool committed_ = false;
};

}  // namespace mis

#pragma once
// What several test files need: scratch folders and the message of a UserError. One copy here,
// because the unity build compiles test files together (and copies drift apart anyway).
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <system_error>

#include <unistd.h>

#include "core/error.h"

// An empty folder <tmp>/mis_test_<name>_<pid> (and no leftover <folder>.partial from a killed
// writer); it stays after the test, for a look when one fails.
inline std::filesystem::path fresh_dir(const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("mis_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::remove_all(dir.string() + ".partial");
  fs::create_directories(dir);
  return dir;
}

// A fresh_dir that is removed when it goes out of scope; each one gets its own folder.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name = "tmp") {
    static std::atomic<int> count{0};
    path = fresh_dir(name + "_" + std::to_string(count++));
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// The message of the mis::UserError that `f` throws, or `none` when it throws nothing.
inline std::string error_of(const std::function<void()>& f, const std::string& none = "") {
  try {
    f();
  } catch (const mis::UserError& e) {
    return e.what();
  }
  return none;
}

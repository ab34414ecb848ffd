#pragma once
// Errors a user can act on. The CLI prints them as one line ("error: ...") and exits 2;
// anything else escaping to main is a bug and is reported as such.
#include <filesystem>
#include <stdexcept>
#include <string>

namespace mis {

struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "<path>: <problem>", the form every file-related message takes.
[[noreturn]] void fail_file(const std::filesystem::path& path, const std::string& problem);

}  // namespace mis

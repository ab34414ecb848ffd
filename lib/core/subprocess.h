#pragma once
// Child processes for work that must not share a process: `run --jobs J` trains J runs at once,
// each in its own process, so one run's crash or thread pool cannot touch another's.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mis {

// The path of the running executable (to start copies of it).
std::filesystem::path current_executable();

// Starts `argv` (argv[0] is the program) with stdout and stderr appended to `log`.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::filesystem::path& log);

// Waits for any child. `status` is the exit code, or 128 + signal for a child killed by one.
struct ChildExit {
  pid_t pid = -1;
  int status = 0;
};
ChildExit wait_for_child();

}  // namespace mis

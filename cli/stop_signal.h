#pragma once
// Ctrl-C and `kill` (SIGINT, SIGTERM) during long work: instead of dying mid-write, the process
// notes the request, the library finishes the current step, saves its checkpoint and returns.

namespace mis::cli {

// From now on SIGINT and SIGTERM set the flag that stop_requested() reads; a second signal
// ends the process at once.
void catch_stop_signals();

bool stop_requested();

}  // namespace mis::cli

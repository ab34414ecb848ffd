#include "stop_signal.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace mis::cli {

namespace {
// Lock-free, so the handler may set it (a signal handler can do little else safely).
std::atomic<bool> stop_flag{false};

// The first SIGINT/SIGTERM asks the work to stop at its next safe point (a step's checkpoint,
// the end of an evaluation); a second one ends the process at once, which loses nothing either,
// since every output is written atomically: it is for the moments that have no such point soon
// (a long evaluation inside `run`). write() is async-signal-safe; printing is not.
void note_stop_request(int signal) {
  if (stop_flag.exchange(true)) {
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  static const char message[] =
      "\nstopping at the next safe point (a checkpoint, or the end of the current evaluation); "
      "press Ctrl-C again to stop at once\n";
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, sizeof message - 1);
}
}  // namespace

void catch_stop_signals() {
  std::signal(SIGINT, note_stop_request);
  std::signal(SIGTERM, note_stop_request);
}

bool stop_requested() { return stop_flag.load(); }

}  // namespace mis::cli

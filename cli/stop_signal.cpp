#include "stop_signal.h"

#include <atomic>
#include <csignal>

namespace mis::cli {

namespace {
// Lock-free, so the handler may set it (a signal handler can do little else safely).
std::atomic<bool> stop_flag{false};
void note_stop_request(int) { stop_flag = true; }
}  // namespace

void catch_stop_signals() {
  std::signal(SIGINT, note_stop_request);
  std::signal(SIGTERM, note_stop_request);
}

bool stop_requested() { return stop_flag.load(); }

}  // namespace mis::cli

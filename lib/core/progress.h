#pragma once
// A progress bar with rate and ETA on stderr. On a terminal it redraws one line; in a log
// (not a TTY) it prints a line about every 10% so CI logs stay short but show liveness.
#include <chrono>
#include <cstdint>
#include <string>

namespace mis {

class Progress {
 public:
  Progress(std::string label, std::int64_t total, std::int64_t start = 0);
  ~Progress();
  // Advances to `done` items; `status` is shown after the bar (e.g. "loss 0.412 lr 0.0093").
  void update(std::int64_t done, const std::string& status = "");
  void finish(const std::string& status = "");

 private:
  void draw(bool final_line);

  std::string label_;
  std::int64_t total_, start_, done_;
  std::string status_;
  std::chrono::steady_clock::time_point t0_, last_draw_;
  int last_decile_ = -1;
  bool tty_, finished_ = false;
};

// --quiet: no progress line is drawn from then on (warnings and errors still reach stderr).
void set_progress_quiet(bool quiet);

// "1h02m", "3m05s", "12s"
std::string format_duration(double seconds);

}  // namespace mis

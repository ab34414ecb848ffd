#include "core/progress.h"

#include <unistd.h>

#include <cstdio>
#include <fmt/format.h>

namespace mis {

namespace {
bool quiet_progress = false;
}  // namespace

void set_progress_quiet(bool quiet) { quiet_progress = quiet; }

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02d}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02d}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

Progress::Progress(std::string label, std::int64_t total, std::int64_t start)
    : label_(std::move(label)), total_(total), start_(start), done_(start),
      t0_(std::chrono::steady_clock::now()), last_draw_(t0_), tty_(::isatty(STDERR_FILENO) != 0) {}

Progress::~Progress() {
  if (!finished_ && tty_ && !quiet_progress) std::fputc('\n', stderr);
}

void Progress::update(std::int64_t done, const std::string& status) {
  done_ = done;
  status_ = status;
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - last_draw_ < std::chrono::milliseconds(100) && done_ < total_) return;
    last_draw_ = now;
    draw(false);
  } else {
    const int decile = total_ > 0 ? static_cast<int>(10 * done_ / total_) : 0;
    if (decile == last_decile_) return;
    last_decile_ = decile;
    draw(false);
  }
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  done_ = total_;
  if (!status.empty()) status_ = status;
  draw(true);
  finished_ = true;
}

void Progress::draw(bool final_line) {
  if (quiet_progress) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const double frac = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  const auto advanced = done_ - start_;
  const double rate = elapsed > 0 ? static_cast<double>(advanced) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : -1.0;
  constexpr int width = 24;
  const int filled = static_cast<int>(frac * width);
  const std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
  const std::string line = fmt::format("{} [{}] {}/{} {:3.0f}% {:.1f}/s {} {} {}", label_, bar, done_, total_,
                                       100.0 * frac, rate, final_line ? "took" : "ETA",
                                       format_duration(final_line ? elapsed : eta), status_);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace mis

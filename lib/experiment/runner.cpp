#include "experiment/runner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/runtime.h"
#include "core/subprocess.h"
#include "experiment/evaluations.h"
#include "experiment/run_record.h"
#include "train/trainer.h"

namespace mis {

namespace fs = std::filesystem;

namespace {

// Holds an exclusive flock on `path` for its lifetime (released by the kernel if we die).
class FileLock {
 public:
  explicit FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) throw UserError(path.string() + ": cannot create or lock this file");
  }
  ~FileLock() { ::close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// The generator settings that decide the data (synth.json also lists class and domain names).
json synth_identity(const json& settings) {
  json identity = json::object();
  const json defaults = to_json(SynthConfig{});
  for (const auto& [key, value] : defaults.items())
    if (key != "output" && settings.contains(key)) identity[key] = settings[key];
  return identity;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void prepare_datasets(const Experiment& experiment) {
  for (const SynthConfig& synth : experiment.prepare) {
    const fs::path out(synth.output);
    ensure_writable_dir(out.parent_path().empty() ? fs::path(".") : out.parent_path());
    FileLock lock(out.string() + ".lock");
    const fs::path record = out / "synth.json";
    if (fs::exists(record)) {
      if (synth_identity(read_json_file(record)) != synth_identity(to_json(synth)))
        throw UserError(fmt::format("{}: written with other settings than {} asks for; delete the folder or change "
                                    "the experiment's prepare output",
                                    out.string(), experiment.source.string()));
      continue;
    }
    fmt::print("generating the synthetic benchmark in {}\n", out.string());
    write_synthetic_benchmark(synth);
  }
}

int threads_per_run(const RunnerOptions& options) {
  return options.threads > 0 ? options.threads : std::max(1, machine_cores() / std::max(1, options.jobs));
}

RunOutcome execute_run(const Experiment& experiment, const RunSpec& run, const RunnerOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  RunOutcome outcome{run.id};
  const fs::path dir = run_folder(experiment, run);
  if (inspect_run(experiment, run).complete()) {
    outcome.result = RunResult::skipped;
    return outcome;
  }
  ensure_writable_dir(dir);
  json record = read_run_record(dir).value_or(new_run_record(experiment, run));
  record["status"] = "pending";
  record.erase("error");
  record["labels"] = to_json(run.labels);
  write_run_record(dir, record);
  try {
    TrainConfig config = run.train;
    config.threads = threads_per_run(options);
    config.device = options.device;
    const TrainOutcome trained =
        mis::train(config, /*resume=*/true, [&](int64_t) { return options.stop_requested && options.stop_requested(); });
    if (trained.interrupted) {
      outcome.result = RunResult::interrupted;
      outcome.seconds = seconds_since(t0);
      return outcome;
    }
    const std::string checkpoint = checkpoint_path(dir).string();
    for (const EvaluationSpec& spec : run.evaluations) {
      if (evaluation_done(record, spec, dir)) continue;
      if (options.stop_requested && options.stop_requested()) {
        outcome.result = RunResult::interrupted;
        outcome.seconds = seconds_since(t0);
        return outcome;
      }
      const EvaluationKind& kind = evaluation_kind(spec.kind, experiment.source.string());
      kind.run(evaluation_config(kind, spec.settings, checkpoint, run.data, run.ood, (dir / spec.file).string(),
                                 threads_per_run(options), options.device));
      record["evaluations"][spec.kind] = {{"settings", spec.settings}, {"file", spec.file}, {"status", "complete"}};
      write_run_record(dir, record);
    }
    record["status"] = "complete";
    write_run_record(dir, record);
    outcome.result = RunResult::complete;
  } catch (const std::exception& e) {
    // Anything a run throws (bad data, a LibTorch error, out of memory) is this run's failure.
    outcome.result = RunResult::failed;
    outcome.error = e.what();
    record["status"] = "failed";
    record["error"] = outcome.error;
    write_run_record(dir, record);
  }
  outcome.seconds = seconds_since(t0);
  return outcome;
}

namespace {

void announce(const RunSpec& run, std::size_t position, std::size_t count) {
  fmt::print("[{}/{}] {} ({} {} {} seed {})\n", position, count, run.id, run.labels.dataset, run.labels.model,
             run.labels.setting, run.labels.seed);
  std::fflush(stdout);
}

void report_outcome(const RunOutcome& o) {
  switch (o.result) {
    case RunResult::complete: fmt::print("      done in {:.0f}s\n", o.seconds); break;
    case RunResult::skipped: fmt::print("      already complete\n"); break;
    case RunResult::interrupted: fmt::print("      interrupted; rerun the same command to resume\n"); break;
    case RunResult::failed: fmt::print("      FAILED: {}\n", o.error); break;
  }
  std::fflush(stdout);
}

std::vector<RunOutcome> execute_in_processes(const Experiment& experiment, const std::vector<std::size_t>& indices,
                                             const RunnerOptions& options) {
  std::vector<RunOutcome> outcomes;
  std::map<pid_t, std::pair<std::size_t, std::chrono::steady_clock::time_point>> running;
  std::size_t next = 0;
  const auto finish_one = [&] {
    const ChildExit exit = wait_for_child();
    if (exit.pid < 0) throw UserError("lost track of the runs' child processes; rerun to continue where they stopped");
    const auto it = running.find(exit.pid);
    if (it == running.end()) return;
    const RunSpec& run = experiment.runs[it->second.first];
    RunOutcome o{run.id};
    o.seconds = seconds_since(it->second.second);
    const auto record = read_run_record(run_folder(experiment, run));
    const std::string status = record ? record->value("status", "") : "";
    if (exit.status == 0 && status == "complete") {
      o.result = RunResult::complete;
    } else if (status == "failed") {
      o.result = RunResult::failed;
      o.error = record->value("error", "");
    } else if (options.stop_requested && options.stop_requested()) {
      o.result = RunResult::interrupted;
    } else {
      o.result = RunResult::failed;
      o.error = fmt::format("the run's process exited with status {}; see {}", exit.status,
                            (run_folder(experiment, run) / "run.log").string());
    }
    fmt::print("{}:", run.id);
    report_outcome(o);
    outcomes.push_back(o);
    running.erase(it);
  };
  while (next < indices.size() || !running.empty()) {
    const bool stopping = options.stop_requested && options.stop_requested();
    if (!stopping && next < indices.size() && static_cast<int>(running.size()) < options.jobs) {
      const RunSpec& run = experiment.runs[indices[next]];
      const fs::path dir = run_folder(experiment, run);
      if (inspect_run(experiment, run).complete()) {
        outcomes.push_back({run.id, RunResult::skipped});
        ++next;
        continue;
      }
      ensure_writable_dir(dir);
      std::vector<std::string> argv = options.child_command;
      argv.insert(argv.end(), {"--threads", std::to_string(threads_per_run(options)), "--only", run.id});
      announce(run, next + 1, indices.size());
      running[spawn_logged(argv, dir / "run.log")] = {indices[next], std::chrono::steady_clock::now()};
      ++next;
      continue;
    }
    if (running.empty()) break;  // stopping with nothing left to wait for
    finish_one();
  }
  return outcomes;
}

}  // namespace

std::vector<RunOutcome> execute_runs(const Experiment& experiment, const std::vector<std::size_t>& indices,
                                     const RunnerOptions& options) {
  if (options.jobs > 1) return execute_in_processes(experiment, indices, options);
  std::vector<RunOutcome> outcomes;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const RunSpec& run = experiment.runs[indices[i]];
    announce(run, i + 1, indices.size());
    outcomes.push_back(execute_run(experiment, run, options));
    report_outcome(outcomes.back());
    if (outcomes.back().result == RunResult::interrupted) break;
  }
  return outcomes;
}

}  // namespace mis

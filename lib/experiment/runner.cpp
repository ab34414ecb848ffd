#include "experiment/runner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/runtime.h"
#include "core/subprocess.h"
#include "experiment/evaluations.h"
#include "eval/result_schema.h"
#include "experiment/run_data.h"
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

namespace {

// Moves `names` (files or folders of the run folder, those that exist) to
// RUN_DIR/.superseded/<time>/, where report does not look, so that redoing a run loses nothing.
void supersede_run_outputs(const fs::path& dir, const std::vector<std::string>& names, const std::string& why) {
  std::string stamp = utc_now();
  std::replace(stamp.begin(), stamp.end(), ':', '-');
  fs::path aside = dir / ".superseded" / stamp;
  for (int n = 2; fs::exists(aside); ++n) aside = dir / ".superseded" / fmt::format("{}-{}", stamp, n);
  bool moved = false;
  for (const auto& name : names) {
    if (!fs::exists(dir / name)) continue;
    fs::create_directories(aside);
    fs::rename(dir / name, aside / name);
    moved = true;
  }
  if (moved) write_text_atomic(aside / "README.txt", why + "\n");
}

std::vector<std::string> evaluation_outputs(const RunSpec& run) {
  std::vector<std::string> names;
  for (const auto& spec : run.evaluations) {
    names.push_back(spec.file);
    const std::string stem = fs::path(spec.file).stem().string();
    names.push_back(stem);  // explain.json's images are in explain/
  }
  return names;
}

// The run's record, or a new one. A record that cannot be read is set aside and replaced by a
// record of this run's failure, so the study goes on and the next `run` redoes this one.
json load_or_replace_run_record(const Experiment& experiment, const RunSpec& run, const fs::path& dir) {
  try {
    return read_run_record(dir).value_or(new_run_record(experiment, run));
  } catch (const std::exception& e) {
    const fs::path aside = set_aside_run_record(dir);
    json record = new_run_record(experiment, run);
    record["status"] = "failed";
    record["error"] = fmt::format("{} (moved to {}; rerun to redo this run)", e.what(), aside.filename().string());
    write_run_record(dir, record);
    throw UserError(record["error"].get<std::string>());
  }
}

}  // namespace

RunOutcome execute_run(const Experiment& experiment, const RunSpec& run, const RunnerOptions& options,
                       bool wait_for_lock) {
  const auto t0 = std::chrono::steady_clock::now();
  RunOutcome outcome{run.id};
  const fs::path dir = run_folder(experiment, run);
  std::optional<RunLock> lock;
  json record;
  bool recorded = false;  // whether `record` is this run's run.json (so a failure can go into it)
  try {
    ensure_writable_dir(dir);
    // Waiting polls, so that Ctrl-C still stops a `run` that waits for another's run.
    while (true) {
      if (auto taken = RunLock::try_acquire(dir)) {
        lock.emplace(std::move(*taken));
        break;
      }
      if (!wait_for_lock) {
        outcome.result = RunResult::busy;
        return outcome;
      }
      if (options.stop_requested && options.stop_requested()) {
        outcome.result = RunResult::interrupted;
        return outcome;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    // Under the lock: another process may have completed it meanwhile.
    if (inspect_run(experiment, run).complete()) {
      outcome.result = RunResult::skipped;
      return outcome;
    }
    record = load_or_replace_run_record(experiment, run, dir);
    recorded = true;
    const DataChange change = compare_run_data(record, run);
    // Results kept without their checkpoint (inspect_run's results_only) with an evaluation still
    // to do: training starts again from step 0, so every evaluation is redone with the new model
    // rather than mixing results of two trainings.
    const bool retrain_results_only =
        !fs::exists(checkpoint_path(dir)) && record.contains("evaluations") && !record["evaluations"].empty();
    if (change.train || retrain_results_only) {
      std::vector<std::string> names = {"checkpoint.pt", "checkpoint_best.pt", "train_log.jsonl", "train_summary.json",
                                        "config.json"};
      for (const auto& n : evaluation_outputs(run)) names.push_back(n);
      supersede_run_outputs(dir, names,
                            change.train ? "The training data changed after these were made (run.json \"data\" has "
                                           "the new fingerprints); `run` trained and evaluated the run again."
                                         : "The checkpoint had been removed (results kept only) and an evaluation "
                                           "was still to do; `run` trained and evaluated the run again.");
      record["evaluations"] = json::object();
    } else if (change.evaluation) {
      supersede_run_outputs(dir, evaluation_outputs(run),
                            "The test data changed after these were made; `run` evaluated the run again.");
      record["evaluations"] = json::object();
    }
    record["data"] = change.now;
    // Which process did the run (so that `run --jobs` tells its children's work from runs that
    // another `run` completed while a child waited for the lock).
    record["process"] = {{"pid", ::getpid()}, {"host", this_host_name()}};
    record["status"] = "pending";
    record.erase("error");
    record["labels"] = to_json(run.labels);
    write_run_record(dir, record);

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
    // Anything a run throws (bad data, a corrupt checkpoint, a LibTorch error, out of memory) is
    // this run's failure.
    outcome.result = RunResult::failed;
    outcome.error = e.what();
    if (recorded) {
      try {
        record["status"] = "failed";
        record["error"] = outcome.error;
        write_run_record(dir, record);
      } catch (const std::exception& again) {
        outcome.error += fmt::format(" (and its run.json could not be written: {})", again.what());
      }
    }
  }
  outcome.seconds = seconds_since(t0);
  return outcome;
}

namespace {

std::string describe_busy(const fs::path& run_dir) {
  return "being run by " + run_lock_holder(run_dir).value_or("another process");
}

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
    case RunResult::busy: fmt::print("      still being run by another process\n"); break;
  }
  std::fflush(stdout);
}

std::vector<RunOutcome> execute_in_processes(const Experiment& experiment, const std::vector<std::size_t>& indices,
                                             const RunnerOptions& options) {
  std::vector<RunOutcome> outcomes;
  std::map<pid_t, std::pair<std::size_t, std::chrono::steady_clock::time_point>> running;
  std::vector<std::size_t> deferred;  // positions in `indices` of runs another process was doing
  std::size_t next = 0;
  const auto finish_one = [&] {
    const ChildExit exit = wait_for_child();
    if (exit.pid < 0) throw UserError("lost track of the runs' child processes; rerun to continue where they stopped");
    const auto it = running.find(exit.pid);
    if (it == running.end()) return;
    const RunSpec& run = experiment.runs[it->second.first];
    RunOutcome o{run.id};
    o.seconds = seconds_since(it->second.second);
    json record;
    try {
      record = read_run_record(run_folder(experiment, run)).value_or(json::object());
    } catch (const std::exception& e) {
      record = {{"status", "failed"}, {"error", e.what()}};
    }
    const std::string status = record.value("status", json()).is_string() ? record["status"].get<std::string>() : "";
    const json process = record.value("process", json::object());
    const bool by_child = process.is_object() && process.value("pid", json()) == json(exit.pid) &&
                          process.value("host", json()) == json(this_host_name());
    if (exit.status == 0 && status == "complete") {
      o.result = by_child ? RunResult::complete : RunResult::skipped;  // skipped: another `run` did it
    } else if (status == "failed") {
      o.result = RunResult::failed;
      o.error = record.value("error", json()).is_string() ? record["error"].get<std::string>() : "unknown error";
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
  // Starts the run at position `position` unless it is complete; false when another process holds it.
  const auto start = [&](std::size_t position, bool announce_it) {
    const RunSpec& run = experiment.runs[indices[position]];
    const fs::path dir = run_folder(experiment, run);
    if (run_lock_holder(dir)) return false;
    if (inspect_run(experiment, run).complete()) {
      outcomes.push_back({run.id, RunResult::skipped});
      return true;
    }
    ensure_writable_dir(dir);
    std::vector<std::string> argv = options.child_command;
    argv.insert(argv.end(), {"--threads", std::to_string(threads_per_run(options)), "--only", run.id});
    if (announce_it) announce(run, position + 1, indices.size());
    running[spawn_logged(argv, dir / "run.log")] = {indices[position], std::chrono::steady_clock::now()};
    return true;
  };
  while (next < indices.size() || !running.empty() || !deferred.empty()) {
    const bool stopping = options.stop_requested && options.stop_requested();
    const bool free_slot = static_cast<int>(running.size()) < options.jobs;
    if (!stopping && free_slot && next < indices.size()) {
      if (!start(next, true)) {
        const RunSpec& run = experiment.runs[indices[next]];
        announce(run, next + 1, indices.size());
        fmt::print("      {}: coming back to it at the end\n", describe_busy(run_folder(experiment, run)));
        deferred.push_back(next);
      }
      ++next;
      continue;
    }
    if (!stopping && free_slot && !deferred.empty()) {
      // The runs other processes were doing: those they left unfinished (they died, say) are ours.
      bool started = false;
      for (auto it = deferred.begin(); it != deferred.end(); ++it)
        if (start(*it, false)) {
          deferred.erase(it);
          started = true;
          break;
        }
      if (started) continue;
      if (running.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
    }
    if (running.empty()) break;  // stopping with nothing left to wait for
    finish_one();
  }
  for (const auto position : deferred) outcomes.push_back({experiment.runs[indices[position]].id, RunResult::busy});
  return outcomes;
}

}  // namespace

std::vector<RunOutcome> execute_runs(const Experiment& experiment, const std::vector<std::size_t>& indices,
                                     const RunnerOptions& options) {
  if (options.jobs > 1) return execute_in_processes(experiment, indices, options);
  std::vector<RunOutcome> outcomes;
  std::vector<std::size_t> deferred;
  bool interrupted = false;
  for (std::size_t i = 0; i < indices.size() && !interrupted; ++i) {
    const RunSpec& run = experiment.runs[indices[i]];
    announce(run, i + 1, indices.size());
    RunOutcome o = execute_run(experiment, run, options, /*wait_for_lock=*/false);
    if (o.result == RunResult::busy) {
      fmt::print("      {}: coming back to it at the end\n", describe_busy(run_folder(experiment, run)));
      std::fflush(stdout);
      deferred.push_back(i);
      continue;
    }
    report_outcome(o);
    interrupted = o.result == RunResult::interrupted;
    outcomes.push_back(std::move(o));
  }
  // The runs other processes were doing: wait for each; what they did not finish is ours.
  for (const auto i : deferred) {
    const RunSpec& run = experiment.runs[indices[i]];
    if (interrupted || (options.stop_requested && options.stop_requested())) {
      outcomes.push_back({run.id, RunResult::busy});
      continue;
    }
    fmt::print("[{}/{}] {}: waiting for the other process\n", i + 1, indices.size(), run.id);
    std::fflush(stdout);
    RunOutcome o = execute_run(experiment, run, options, /*wait_for_lock=*/true);
    report_outcome(o);
    interrupted = o.result == RunResult::interrupted;
    outcomes.push_back(std::move(o));
  }
  return outcomes;
}

}  // namespace mis

#pragma once
// Carrying out an experiment: generate its synthetic data, then for each selected run train
// (resuming an interrupted run from its checkpoint) and perform the evaluations not yet done.
// A run that fails is recorded with its error in run.json and does not stop the others.
// Each run is done under its lock (experiment/run_lock.h): `run`s started together on one results folder
// share the runs, a run held by another process is left to it and come back to at the end.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "experiment/experiment.h"
#include "experiment/run_lock.h"

namespace mis {

struct RunnerOptions {
  int threads = 0;             // LibTorch threads for each run (0 = the cores shared among jobs)
  std::string device = "cpu";
  int jobs = 1;                // runs at once; above 1 each run is a child process
  std::function<bool()> stop_requested;  // e.g. Ctrl-C: checkpoint, record, stop
  // For jobs > 1: the command line that performs exactly one run; the runner appends
  // "--threads N --only ID".
  std::vector<std::string> child_command;
};

// busy: another process holds the run's lock (only when not waiting for it).
enum class RunResult { complete, skipped, failed, interrupted, busy };

struct RunOutcome {
  std::string id;
  RunResult result = RunResult::failed;
  std::string error;
  double seconds = 0;
};

// Writes the experiment's synthetic datasets that are absent. A lock beside each dataset makes
// shards started together generate it once; a dataset written with other settings is an error.
void prepare_datasets(const Experiment& experiment);

// LibTorch threads each run gets: options.threads, or the machine's cores shared among the jobs.
int threads_per_run(const RunnerOptions& options);

// One run, in this process, under its lock: train, then each evaluation not yet done; run.json
// after each stage. A run whose data changed since it was trained (or evaluated) has its old
// outputs moved to RUN_DIR/.superseded/<time>/ and is redone. `wait_for_lock`: wait for another
// process that holds the run, else return `busy` at once.
RunOutcome execute_run(const Experiment& experiment, const RunSpec& run, const RunnerOptions& options,
                       bool wait_for_lock = true);

// The runs at `indices` of experiment.runs: in this process one after another (jobs == 1), or
// in up to `jobs` child processes, each logging to its run folder's run.log. Runs another
// process is doing are passed over, then waited for at the end and done if it did not finish
// them (it died, say), so the outcomes hold no `busy` unless stopped.
std::vector<RunOutcome> execute_runs(const Experiment& experiment, const std::vector<std::size_t>& indices,
                                     const RunnerOptions& options);

}  // namespace mis

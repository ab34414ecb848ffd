#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (in fmt/format.h before fmt 11)

#include "commands.h"
#include "core/error.h"
#include "core/files.h"
#include "core/subprocess.h"
#include "experiment/runner.h"
#include "experiment/study_status.h"
#include "stop_signal.h"

namespace mis::cli {

namespace {

namespace fs = std::filesystem;


struct RunFlags {
  std::string file;
  std::string shard;
  bool dry_run = false;
  bool json = false;
  int jobs = 1;
  int threads = 0;
  std::string device = "cpu";
  std::string results;
  std::string workdir = ".";
  std::vector<std::string> only;
  std::string checkpoint_kind;  // "" = as the experiment file says (last unless its evaluations name one)
};

Shard choose_shard(const RunFlags& f) {
  if (!f.shard.empty()) return parse_shard(f.shard);
  return shard_from_slurm_environment().value_or(Shard{});
}

void add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "run", "Run an experiment file: every run of its grid (train, then eval / noise-sweep / calibrate / explain), "
             "skipping what is complete and resuming what was interrupted");
  auto f = std::make_shared<RunFlags>();
  cmd->add_option("experiment", f->file, "Experiment JSON (see experiments/README.md)")->type_name("PATH")->required();
  cmd->add_option("--shard", f->shard,
                  "Take only shard K of N (K/N, 0 <= K < N): runs whose index is K mod N. Defaults to the Slurm job "
                  "array's task when SLURM_ARRAY_TASK_ID is set");
  cmd->add_flag("--dry-run", f->dry_run,
                "List the runs (of this shard, or those --only names) and how far each got; change nothing");
  cmd->add_flag("--json", f->json, "With --dry-run: print the list as JSON");
  cmd->add_option("--jobs,-j", f->jobs, "Runs at once, each in its own process logging to its run.log")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", f->threads, "LibTorch threads per run; 0 = the machine's cores divided among --jobs");
  cmd->add_option("--device", f->device, "cpu | cuda | cuda:N");
  cmd->add_option("--results", f->results, "Results folder (default: the experiment's \"results\", else results/NAME)")
      ->type_name("PATH");
  cmd->add_option("--workdir", f->workdir,
                  "Folder that relative paths in the experiment (data, prepare outputs, results) are relative to")
      ->type_name("PATH");
  cmd->add_option("--only", f->only, "Run only these run ids (as listed by --dry-run)");
  cmd->add_option("--checkpoint-kind", f->checkpoint_kind,
                  "Which checkpoint every evaluation loads: last (the end of training, as the paper) | best (the "
                  "highest validation Dice; needs \"validation\" in every run's train settings). Default: the "
                  "experiment file's choice, else last");
  cmd->callback([f] {
    const fs::path workdir = fs::absolute(f->workdir);
    Experiment experiment = load_experiment(f->file, workdir, f->results);
    if (!f->checkpoint_kind.empty()) use_checkpoint_kind(experiment, f->checkpoint_kind);
    const Shard shard = choose_shard(*f);
    for (const auto& id : f->only)
      if (std::none_of(experiment.runs.begin(), experiment.runs.end(), [&](const RunSpec& r) { return r.id == id; }))
        throw UserError(fmt::format("--only {}: no such run in {}; list them with --dry-run", id, f->file));
    if (f->dry_run) {
      const json status = study_status(experiment, shard, f->only);
      fmt::print("{}", f->json ? status.dump(2) + "\n" : format_study_status(status));
      return;
    }
    std::vector<std::size_t> selected;
    for (std::size_t i = 0; i < experiment.runs.size(); ++i) {
      const auto& id = experiment.runs[i].id;
      const bool named = f->only.empty() || std::find(f->only.begin(), f->only.end(), id) != f->only.end();
      if (named && in_shard(i, shard)) selected.push_back(i);
    }

    ensure_writable_dir(experiment.results);
    write_json_atomic(experiment.results / "experiment.json", experiment.document);
    prepare_datasets(experiment);

    RunnerOptions options;
    options.jobs = f->jobs;
    options.device = f->device;
    options.threads = f->threads;
    options.stop_requested = stop_requested;
    options.child_command = {current_executable().string(), "run",     fs::absolute(f->file).string(),
                             "--workdir",                   workdir.string(), "--results",
                             experiment.results.string(),   "--device", f->device};
    if (!f->checkpoint_kind.empty()) options.child_command.insert(options.child_command.end(), {"--checkpoint-kind", f->checkpoint_kind});
    catch_stop_signals();

    fmt::print("experiment {}: {} runs, {} in this shard ({}/{}), results in {}\n", experiment.name,
               experiment.runs.size(), selected.size(), shard.index, shard.count, experiment.results.string());
    const auto outcomes = execute_runs(experiment, selected, options);

    std::vector<std::string> failed;
    int done = 0, skipped = 0;
    bool interrupted = false;
    for (const auto& o : outcomes) {
      if (o.result == RunResult::failed) failed.push_back(o.id);
      done += o.result == RunResult::complete ? 1 : 0;
      skipped += o.result == RunResult::skipped ? 1 : 0;
      interrupted |= o.result == RunResult::interrupted || o.result == RunResult::busy;
    }
    fmt::print("{} runs done now, {} already complete, {} failed\n", done, skipped, failed.size());
    if (interrupted || stop_requested())
      throw UserError(fmt::format("{}: interrupted; checkpoints are saved, rerun the same command to resume", f->file));
    if (!failed.empty())
      throw UserError(fmt::format("{}: {} run(s) failed ({}); each run.json holds its error, fix it and rerun (complete "
                                  "runs are skipped)",
                                  f->file, failed.size(), fmt::join(failed, ", ")));
  });
}

}  // namespace

MIS_REGISTER_COMMAND(80, add_run);

}  // namespace mis::cli

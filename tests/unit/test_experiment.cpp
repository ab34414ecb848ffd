// Experiment files: grid expansion, run ids, validation errors, shards, run records.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <set>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "core/files.h"
#include "eval/result_schema.h"
#include "experiment/experiment.h"
#include "experiment/runner.h"
#include "experiment/run_record.h"
#include "experiment/shard.h"
#include "experiment/study_status.h"
#include "support.h"

using namespace mis;

namespace {

fs::path fresh_experiment_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("mis_test_exp_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

json small_experiment() {
  return json::parse(R"({
    "name": "tiny",
    "datasets": {"synth": {"data": "data/source", "ood": ["data/b", "/abs/c"]}},
    "models": {"small": {"name": "unet-small"}},
    "losses": {"spatial": {"lambda": 0}, "spectral": {"lambda": 0.5}, "same-as-spectral": {"lambda": 0.5}},
    "train": {"iterations": 7, "batch_size": 2},
    "evaluations": {"eval": {"hd95": "off"}, "calibrate": {}},
    "grid": [{"group": "main", "datasets": ["synth"], "models": ["small"], "losses": ["spatial", "spectral"], "seeds": [0, 1]},
             {"group": "extra", "datasets": ["synth"], "models": ["small"], "losses": ["same-as-spectral"], "seeds": [1, 2],
              "evaluations": ["eval"]}]
  })");
}

Experiment load(const json& doc, const fs::path& dir, const fs::path& work = "/work/here") {
  write_json_atomic(dir / "exp.json", doc);
  return load_experiment(dir / "exp.json", work);
}

}  // namespace

TEST_CASE("experiment grid: datasets x models x losses x seeds, labels and settings of each run") {
  const fs::path dir = fresh_experiment_dir("grid");
  const Experiment ex = load(small_experiment(), dir);
  // main: 2 losses x 2 seeds; extra: "same-as-spectral" equals "spectral", so seed 1 is already there.
  REQUIRE(ex.runs.size() == 5);
  CHECK(ex.results == fs::path("/work/here/results/tiny"));
  std::set<std::string> ids;
  for (const auto& r : ex.runs) ids.insert(r.id);
  CHECK(ids.size() == 5);
  const RunSpec& first = ex.runs[0];
  CHECK(first.labels.variant == "spatial");
  CHECK(first.labels.setting == "spatial");
  CHECK(first.labels.group == "main");
  CHECK(first.train.loss.lambda == 0.0);
  CHECK(first.train.seed == 0);
  CHECK(first.train.iterations == 7);
  CHECK(first.train.batch_size == 2);
  CHECK(first.train.model.name == "unet-small");
  CHECK(first.data == "/work/here/data/source");
  CHECK(first.ood == std::vector<std::string>{"/work/here/data/b", "/abs/c"});
  CHECK(first.train.output == (ex.results / "runs" / first.id).string());
  CHECK(first.id.rfind("synth-small-spatial-s0-", 0) == 0);
  REQUIRE(first.evaluations.size() == 2);  // every evaluation, in the fixed order eval, calibrate
  CHECK(first.evaluations[0].kind == "eval");
  CHECK(first.evaluations[0].file == "eval.json");
  CHECK(first.evaluations[0].settings == json{{"hd95", "off"}});
  CHECK(first.evaluations[1].kind == "calibrate");
  const RunSpec& last = ex.runs[4];
  CHECK(last.labels.group == "extra");
  CHECK(last.labels.seed == 2);
  CHECK(last.labels.variant == "spectral");
  CHECK(last.train.loss.lambda == 0.5);
  REQUIRE(last.evaluations.size() == 1);
}

TEST_CASE("experiment run ids: stable across work folders, changed by anything that is trained differently") {
  const fs::path dir = fresh_experiment_dir("ids");
  const Experiment a = load(small_experiment(), dir, "/one");
  const Experiment b = load(small_experiment(), dir, "/elsewhere/two");
  for (std::size_t i = 0; i < a.runs.size(); ++i) CHECK(a.runs[i].id == b.runs[i].id);
  json changed = small_experiment();
  changed["train"]["iterations"] = 8;
  const Experiment c = load(changed, dir);
  for (std::size_t i = 0; i < a.runs.size(); ++i) CHECK(a.runs[i].id != c.runs[i].id);
  // Runtime-only settings do not change what is trained.
  json runtime = small_experiment();
  runtime["train"]["checkpoint_every"] = 3;
  const Experiment d = load(runtime, dir);
  for (std::size_t i = 0; i < a.runs.size(); ++i) CHECK(a.runs[i].id == d.runs[i].id);
}

TEST_CASE("run --checkpoint-kind: best goes into every evaluation's settings, last (the default) leaves them as written") {
  const fs::path dir = fresh_experiment_dir("kind");
  json validated = small_experiment();
  validated["train"]["validation"] = {{"fraction", 0.5}};
  Experiment best = load(validated, dir);
  const auto as_written = best.runs[0].evaluations[0].settings;
  use_checkpoint_kind(best, "best");
  for (const auto& run : best.runs)
    for (const auto& evaluation : run.evaluations) CHECK(evaluation.settings.at("checkpoint_kind") == "best");
  use_checkpoint_kind(best, "last");
  CHECK(best.runs[0].evaluations[0].settings == as_written);
  // Without validation no run keeps a best checkpoint: refused before any work, naming the file.
  Experiment plain = load(small_experiment(), dir);
  const std::string error = error_of([&] { use_checkpoint_kind(plain, "best"); });
  CHECK(error.find("exp.json") != std::string::npos);
  CHECK(error.find("keeps no best checkpoint") != std::string::npos);
  CHECK(error_of([&] { use_checkpoint_kind(plain, "newest"); }).find("expected last or best") != std::string::npos);
}

TEST_CASE("experiment files: mistakes are errors naming the file and the key") {
  const fs::path dir = fresh_experiment_dir("errors");
  const auto fails_with = [&](json doc, const std::string& text) {
    CHECK_THROWS_WITH_AS(load(doc, dir), doctest::Contains(text.c_str()), UserError);
  };
  json doc = small_experiment();
  doc["gird"] = json::array();
  fails_with(doc, "gird: unknown key");
  doc = small_experiment();
  doc["grid"][0]["datasets"] = {"acdc"};
  fails_with(doc, "'acdc' is not defined; defined: synth");
  doc = small_experiment();
  doc["train"]["seed"] = 3;
  fails_with(doc, "train/seed: is set per run");
  doc = small_experiment();
  doc["train"]["iteratons"] = 3;
  fails_with(doc, "iteratons");
  doc = small_experiment();
  doc["evaluations"]["eval"]["output"] = "x.json";
  fails_with(doc, "evaluations/eval/output: is filled in by run");
  doc = small_experiment();
  doc["evaluations"]["grad-cam"] = json::object();
  fails_with(doc, "unknown evaluation 'grad-cam'");
  doc = small_experiment();
  doc["grid"][0]["seeds"] = {-1};
  fails_with(doc, "expected non-negative integers");
  doc = small_experiment();
  doc["losses"]["bad name"] = {{"lambda", 1}};
  doc["grid"][0]["losses"] = {"bad name"};
  fails_with(doc, "names may hold only");
  CHECK_THROWS_WITH_AS(load_experiment(dir / "missing.json", dir), doctest::Contains("missing.json"), UserError);
}

TEST_CASE("shards: K mod N, disjoint, and together every run exactly once") {
  for (int n = 1; n <= 5; ++n) {
    std::map<std::size_t, int> owners;
    for (int k = 0; k < n; ++k)
      for (std::size_t i = 0; i < 13; ++i)
        if (in_shard(i, parse_shard(std::to_string(k) + "/" + std::to_string(n)))) ++owners[i];
    CHECK(owners.size() == 13);
    for (const auto& [i, count] : owners) CHECK(count == 1);
  }
  const Shard s = parse_shard("2/4");
  CHECK(s.index == 2);
  CHECK(s.count == 4);
  for (const char* bad : {"4/4", "-1/3", "1", "a/b", "1/0", "1/2x"})
    CHECK_THROWS_WITH_AS(parse_shard(bad), doctest::Contains("expected K/N"), UserError);
}

TEST_CASE("shards from a Slurm job array, whether it counts from 0 or 1") {
  ::setenv("SLURM_ARRAY_TASK_ID", "3", 1);
  ::setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
  ::setenv("SLURM_ARRAY_TASK_MIN", "1", 1);
  auto s = shard_from_slurm_environment();
  REQUIRE(s);
  CHECK(s->index == 2);
  CHECK(s->count == 4);
  ::setenv("SLURM_ARRAY_TASK_MIN", "0", 1);
  CHECK(shard_from_slurm_environment()->index == 3);
  ::setenv("SLURM_ARRAY_TASK_ID", "9", 1);
  CHECK_THROWS_AS(shard_from_slurm_environment(), UserError);
  ::unsetenv("SLURM_ARRAY_TASK_ID");
  ::unsetenv("SLURM_ARRAY_TASK_COUNT");
  ::unsetenv("SLURM_ARRAY_TASK_MIN");
  CHECK_FALSE(shard_from_slurm_environment());
}

TEST_CASE("run records: an evaluation counts as done only with the same settings and its file present") {
  const fs::path dir = fresh_experiment_dir("record");
  const Experiment ex = load(small_experiment(), dir);
  const RunSpec& run = ex.runs[0];
  const fs::path run_dir = dir / "run";
  fs::create_directories(run_dir);
  CHECK_FALSE(read_run_record(run_dir));
  json record = new_run_record(ex, run);
  record["evaluations"]["eval"] = {{"settings", run.evaluations[0].settings}, {"file", "eval.json"}, {"status", "complete"}};
  write_run_record(run_dir, record);
  const json back = *read_run_record(run_dir);
  CHECK(back["labels"]["setting"] == "spatial");
  CHECK_FALSE(evaluation_done(back, run.evaluations[0], run_dir));  // no eval.json yet
  json result = result_header("eval");
  result["evaluations"] = json::array();
  write_json_atomic(run_dir / "eval.json", result);
  CHECK(evaluation_done(back, run.evaluations[0], run_dir));
  EvaluationSpec changed = run.evaluations[0];
  changed.settings["hd95"] = "medpy";
  CHECK_FALSE(evaluation_done(back, changed, run_dir));
  CHECK_FALSE(evaluation_done(back, run.evaluations[1], run_dir));  // calibrate never ran
  write_text_atomic(run_dir / "run.json", R"({"schema": "something-else"})");
  CHECK_THROWS_WITH_AS(read_run_record(run_dir), doctest::Contains("not a run record"), UserError);
}

TEST_CASE("run records: a result file cut short, of another kind or not a result is not a done evaluation") {
  const fs::path dir = fresh_experiment_dir("truncated");
  const Experiment ex = load(small_experiment(), dir);
  const RunSpec& run = ex.runs[0];
  const fs::path run_dir = dir / "run";
  fs::create_directories(run_dir);
  json record = new_run_record(ex, run);
  record["evaluations"]["eval"] = {{"settings", run.evaluations[0].settings}, {"file", "eval.json"}, {"status", "complete"}};
  json result = result_header("eval");
  result["evaluations"] = json::array({json::object()});
  const std::string whole = result.dump(2);
  write_text_atomic(run_dir / "eval.json", whole);
  CHECK(evaluation_done(record, run.evaluations[0], run_dir));
  write_text_atomic(run_dir / "eval.json", whole.substr(0, whole.size() / 2));  // a copy cut short
  CHECK_FALSE(evaluation_done(record, run.evaluations[0], run_dir));
  write_text_atomic(run_dir / "eval.json", "");
  CHECK_FALSE(evaluation_done(record, run.evaluations[0], run_dir));
  json other = result_header("calibrate");
  other["evaluations"] = json::array();
  write_json_atomic(run_dir / "eval.json", other);  // another command's result
  CHECK_FALSE(evaluation_done(record, run.evaluations[0], run_dir));
  write_text_atomic(run_dir / "eval.json", R"({"schema": "mis-spectral/result", "schema_version": "1", "kind": "eval"})");
  CHECK_FALSE(evaluation_done(record, run.evaluations[0], run_dir));
}

TEST_CASE("run records of the wrong types are refused, naming the file, inspect_run reports them as the run's failure") {
  const fs::path dir = fresh_experiment_dir("types");
  const Experiment ex = load(small_experiment(), dir, dir);
  const RunSpec& run = ex.runs[0];
  const fs::path run_dir = run_folder(ex, run);
  fs::create_directories(run_dir);
  const std::string path = (run_dir / "run.json").string();
  for (const char* bad : {R"({"schema": "mis-spectral/run", "status": 42})",
                          R"({"schema": "mis-spectral/run", "status": "done"})",
                          R"({"schema": "mis-spectral/run", "status": "pending", "evaluations": []})",
                          R"({"schema": "mis-spectral/run", "status": "failed", "error": 7})"}) {
    write_text_atomic(run_dir / "run.json", bad);
    CHECK_THROWS_WITH_AS(read_run_record(run_dir), doctest::Contains((path + ": ").c_str()), UserError);
    const RunProgress p = inspect_run(ex, run);
    CHECK(p.failed);
    CHECK(p.error.rfind(path + ": ", 0) == 0);
    CHECK_FALSE(p.complete());
  }
  write_text_atomic(run_dir / "run.json", R"({"schema": "mis-spectral/run", "status": "pend)");  // cut short
  const RunProgress cut = inspect_run(ex, run);
  CHECK(cut.failed);
  CHECK(cut.describe().find("not valid JSON") != std::string::npos);
  const fs::path aside = set_aside_run_record(run_dir);
  CHECK(aside.filename() == "run.json.corrupt");
  CHECK_FALSE(fs::exists(run_dir / "run.json"));
  write_text_atomic(run_dir / "run.json", "{");
  CHECK(set_aside_run_record(run_dir).filename() == "run.json.corrupt-2");
  CHECK(read_text_file(aside) == R"({"schema": "mis-spectral/run", "status": "pend)");
  // A checkpoint that is not one: the run's failure, not an exception for the whole study.
  write_text_atomic(run_dir / "checkpoint.pt", "not a checkpoint");
  const RunProgress p = inspect_run(ex, run);
  CHECK(p.failed);
  CHECK(p.error.find("checkpoint.pt") != std::string::npos);
  const json status = study_status(ex, Shard{});
  CHECK(status["runs"][0]["state"].get<std::string>().rfind("failed: ", 0) == 0);
}

TEST_CASE("a Slurm task id that names no task of an array is an error, not every run") {
  ::setenv("SLURM_ARRAY_TASK_ID", "x", 1);
  ::setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
  CHECK_THROWS_WITH_AS(shard_from_slurm_environment(), doctest::Contains("SLURM_ARRAY_TASK_ID=x"), UserError);
  ::unsetenv("SLURM_ARRAY_TASK_COUNT");
  ::setenv("SLURM_ARRAY_TASK_ID", "2", 1);  // an array task without the array's size
  CHECK_THROWS_WITH_AS(shard_from_slurm_environment(), doctest::Contains("SLURM_ARRAY_TASK_COUNT=unset"), UserError);
  ::unsetenv("SLURM_ARRAY_TASK_ID");
  CHECK_FALSE(shard_from_slurm_environment());
}

TEST_CASE("run locks: one holder at a time, free again when the holder closes it or dies") {
  const fs::path dir = fresh_experiment_dir("lock");
  CHECK_FALSE(run_lock_holder(dir));  // no lock file: free, and nothing created
  CHECK_FALSE(fs::exists(run_lock_path(dir)));
  {
    auto lock = RunLock::try_acquire(dir);
    REQUIRE(lock);
    CHECK_FALSE(RunLock::try_acquire(dir));  // a second open file: refused, as for another process
    const auto holder = run_lock_holder(dir);
    REQUIRE(holder);
    CHECK(holder->find("process " + std::to_string(::getpid())) == 0);
  }
  CHECK_FALSE(run_lock_holder(dir));
  CHECK(fs::exists(run_lock_path(dir)));
  // A child takes the lock and is killed with SIGKILL: the lock it held is free. (The child
  // only makes system calls: after fork, other threads' locks, malloc's say, may be held.)
  const std::string lock_file = run_lock_path(dir).string();
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const int fd = ::open(lock_file.c_str(), O_RDWR);
    const char c = fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0 ? 'y' : 'n';
    [[maybe_unused]] const auto w = ::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  CHECK(c == 'y');
  CHECK(run_lock_holder(dir));
  CHECK_FALSE(RunLock::try_acquire(dir));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  CHECK_FALSE(run_lock_holder(dir));
  CHECK(RunLock::try_acquire(dir));
}

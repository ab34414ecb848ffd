// Core utilities: deterministic RNG, batch schedule, JSON configs, atomic files.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <unistd.h>

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
#include "core/stderr_filter.h"
#include "core/rng.h"
#include "train/batches.h"
#include "train/train_config.h"
#include "support.h"

using namespace mis;

TEST_CASE("Rng: the standard mt19937_64 stream, uniform draws below 1, normal moments") {
  Rng a(42), b(42);
  std::mt19937_64 reference(42);
  for (int i = 0; i < 5; ++i) CHECK(a.next() == reference());
  double sum = 0, sum2 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double u = b.uniform();
    CHECK((u >= 0.0 && u < 1.0));
    const double z = b.normal();
    sum += z;
    sum2 += z * z;
  }
  CHECK(sum / n == doctest::Approx(0.0).epsilon(0.03).scale(1));
  CHECK(sum2 / n == doctest::Approx(1.0).epsilon(0.03));
  CHECK(derive_seed(1, {2, 3}) != derive_seed(1, {3, 2}));
  CHECK(derive_seed(1, {2, 3}) == derive_seed(1, {2, 3}));
}

TEST_CASE("BatchSchedule: each epoch visits every item once, and steps are pure functions of the seed") {
  BatchSchedule s(10, 4, 7);
  std::multiset<int64_t> first_epoch;
  for (int64_t step = 0; step < 5; ++step)  // 20 samples = 2 epochs
    for (auto i : s.indices(step))
      if (first_epoch.size() < 10) first_epoch.insert(i);
  for (int64_t i = 0; i < 10; ++i) CHECK(first_epoch.count(i) == 1);
  BatchSchedule fresh(10, 4, 7);
  CHECK(fresh.indices(3) == s.indices(3));  // no hidden state: a resumed run draws the same batch
  BatchSchedule other(10, 4, 8);
  CHECK(other.indices(0) != s.indices(0));
}

TEST_CASE("merge_json overlays and reject_unknown_keys names the typo") {
  const json base = {{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}};
  const json merged = merge_json(base, {{"b", {{"c", 5}}}});
  CHECK(merged["b"]["c"] == 5);
  CHECK(merged["b"]["d"] == 3);
  CHECK_THROWS_WITH_AS(reject_unknown_keys({{"b", {{"cc", 1}}}}, base, "x.json"),
                       doctest::Contains("unknown key 'b.cc'"), UserError);
}

TEST_CASE("train config: file keys override defaults, typos and bad values are errors") {
  const TrainConfig c = train_config_from_json({{"loss", {{"lambda", 0.0}}}, {"iterations", 5}}, "cfg.json");
  CHECK(c.loss.lambda == 0.0);
  CHECK(c.iterations == 5);
  CHECK(c.batch_size == TrainConfig{}.batch_size);
  CHECK_THROWS_AS(train_config_from_json({{"lamda", 0.1}}, "cfg.json"), UserError);
  CHECK_THROWS_AS(train_config_from_json({{"batch_size", 0}}, "cfg.json"), UserError);
  CHECK_THROWS_AS(train_config_from_json({{"batch_size", "eight"}}, "cfg.json"), UserError);
  // Identity ignores where and how fast, not what.
  TrainConfig d = c;
  d.threads = 7;
  d.output = "elsewhere";
  CHECK(identity_of(c) == identity_of(d));
  d.seed = 99;
  CHECK(identity_of(c) != identity_of(d));
}

TEST_CASE("atomic writes replace whole files and leave no temporary behind on failure") {
  const fs::path dir = fresh_dir("atomic");
  const fs::path f = dir / "out.json";
  write_text_atomic(f, "one");
  write_text_atomic(f, "two");
  CHECK(read_text_file(f) == "two");
  CHECK_THROWS(write_atomic_with(f, [](const fs::path& tmp) {
    std::ofstream(tmp) << "partial";
    throw std::runtime_error("writer died");
  }));
  CHECK(read_text_file(f) == "two");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
  fs::remove_all(dir);
}

TEST_CASE("StagingDir: nothing appears until commit, an abandoned staging folder is removed") {
  const fs::path dir = fresh_dir("staging");
  {
    StagingDir s(dir / "result", "test", "--out");
    std::ofstream(s.path() / "a.txt") << "x";
    CHECK_FALSE(fs::exists(dir / "result"));
  }
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 0);
  {
    StagingDir s(dir / "result", "test", "--out");
    std::ofstream(s.path() / "a.txt") << "x";
    s.commit();
  }
  CHECK(fs::exists(dir / "result" / "a.txt"));
  fs::remove_all(dir);
}

TEST_CASE("output folders: only an empty folder or the same command's output is replaced") {
  TempDir tmp;
  const fs::path out = tmp.path / "out";
  require_replaceable_output(out, "report", "--out");  // absent
  fs::create_directories(out);
  require_replaceable_output(out, "report", "--out");  // empty
  write_text_atomic(out / "notes.txt", "mine");
  const std::string user = error_of([&] { require_replaceable_output(out, "report", "--out"); });
  CHECK_MESSAGE(user.rfind(out.string() + ": exists, is not empty and was not written by mis-spectral report", 0) == 0, user);
  CHECK(error_of([&] { StagingDir s(out, "report", "--out"); }) == user);  // refused before any work
  CHECK(read_text_file(out / "notes.txt") == "mine");
  {
    StagingDir s(tmp.path / "rep", "report", "--out");
    write_text_atomic(s.path() / "a.txt", "1");
    s.commit();
  }
  CHECK(is_command_output(tmp.path / "rep"));
  CHECK_FALSE(is_command_output(out));
  {
    StagingDir s(tmp.path / "rep", "report", "--out");  // its own output: replaced whole
    write_text_atomic(s.path() / "b.txt", "2");
    s.commit();
  }
  CHECK_FALSE(fs::exists(tmp.path / "rep" / "a.txt"));
  CHECK(read_text_file(tmp.path / "rep" / "b.txt") == "2");
  CHECK_THROWS_WITH_AS(require_replaceable_output(tmp.path / "rep", "synth", "-o"),
                       doctest::Contains("holds the output of mis-spectral report"), UserError);
  // Nothing but the final folder is left next to it.
  for (const auto& e : fs::directory_iterator(tmp.path)) CHECK(e.path().filename().string()[0] != '.');
}

TEST_CASE("an output folder that is, or contains, an input is refused, one inside an input is not") {
  TempDir tmp;
  const fs::path results = tmp.path / "results";
  fs::create_directories(results / "runs");
  const auto refused = [&](const fs::path& out) { return error_of([&] { refuse_output_over_inputs(out, {results}, "--out"); }); };
  CHECK(refused(results).find("--out is, or contains, the input " + results.string()) != std::string::npos);
  CHECK(!refused(tmp.path).empty());                                  // a parent
  CHECK(!refused(results / "runs" / "..").empty());                   // the same folder, spelled otherwise
  CHECK(!refused(fs::path(results.string() + "/")).empty());
  CHECK(refused(results / "report").empty());                         // inside: allowed
  CHECK(refused(tmp.path / "results-report").empty());                // a sibling sharing a prefix
  CHECK(path_within(results / "runs", results));
  CHECK_FALSE(path_within(tmp.path / "resultsX", results));
}

TEST_CASE("write_texts_atomic writes all files or none, stale temporaries of dead processes are removed") {
  TempDir tmp;
  write_texts_atomic({{tmp.path / "a.json", "A"}, {tmp.path / "a.md", "M"}});
  CHECK(read_text_file(tmp.path / "a.json") == "A");
  CHECK(read_text_file(tmp.path / "a.md") == "M");
  fs::create_directories(tmp.path / "b.md");  // the second file cannot be written
  CHECK_THROWS_AS(write_texts_atomic({{tmp.path / "b.json", "B"}, {tmp.path / "b.md", "M"}}), UserError);
  CHECK_FALSE(fs::exists(tmp.path / "b.json"));
  // A PID far above pid_max is no running process; our own PID is.
  write_text_atomic(tmp.path / ".tmp999999999.checkpoint.pt", "dead");
  write_text_atomic(tmp.path / (".tmp" + std::to_string(::getpid()) + ".x.json"), "alive");
  write_text_atomic(tmp.path / ".tmpfoo", "not ours");
  remove_stale_temporaries(tmp.path);
  CHECK_FALSE(fs::exists(tmp.path / ".tmp999999999.checkpoint.pt"));
  CHECK(fs::exists(tmp.path / (".tmp" + std::to_string(::getpid()) + ".x.json")));
  CHECK(fs::exists(tmp.path / ".tmpfoo"));
}

TEST_CASE("reject_unknown_keys: a value of the wrong type names the file and the key") {
  const json defaults = {{"lr", 0.01}, {"steps", 5}, {"seed", std::uint64_t{0}}, {"name", "x"}, {"opt", {{"on", true}}},
                         {"band", nullptr}};
  const auto error = [&](const json& given) { return error_of([&] { reject_unknown_keys(given, defaults, "c.json"); }); };
  CHECK(error({{"lr", 1}, {"steps", 7}, {"seed", 3}, {"band", {0.1, 0.2}}}).empty());  // an integer is a number
  CHECK(error({{"lr", "fast"}}) == "c.json: key 'lr' must be a number, not \"fast\"");
  CHECK(error({{"steps", 3.5}}) == "c.json: key 'steps' must be an integer, not 3.5");
  CHECK(error({{"seed", -1}}) == "c.json: key 'seed' must be a non-negative integer, not -1");
  CHECK(error({{"opt", {{"on", 1}}}}) == "c.json: key 'opt.on' must be true or false, not 1");
  CHECK(error({{"name", 3}}) == "c.json: key 'name' must be a string, not 3");
}

TEST_CASE("StderrFilter drops a library's own error lines, keeps and replays everything else") {
  TempDir tmp;
  const fs::path log = tmp.path / "stderr.txt";
  std::fflush(stderr);
  const int real = ::dup(2);
  std::FILE* file = std::fopen(log.c_str(), "w");
  ::dup2(::fileno(file), 2);
  {
    StderrFilter outer;
    std::fprintf(stderr, "kept 1\n** ERROR: NWAD: wrote only 0 of 9 bytes to file\n");
    {
      StderrFilter inner;  // nested (another thread's write, say): one capture for both
      std::fprintf(stderr, "** ERROR: again\nkept 2\n");
    }
    std::fprintf(stderr, "kept 3 ** not at the start\n");
  }
  std::fprintf(stderr, "** after the filter, kept\n");
  std::fflush(stderr);
  ::dup2(real, 2);
  ::close(real);
  std::fclose(file);
  CHECK(read_text_file(log) == "kept 1\nkept 2\nkept 3 ** not at the start\n** after the filter, kept\n");
}

TEST_CASE("missing and unwritable paths are UserErrors naming the path") {
  CHECK_THROWS_WITH_AS(read_json_file("/nonexistent/x.json"), doctest::Contains("/nonexistent/x.json"), UserError);
  const fs::path dir = fresh_dir("badjson");
  write_text_atomic(dir / "bad.json", "{not json");
  CHECK_THROWS_WITH_AS(read_json_file(dir / "bad.json"), doctest::Contains("not valid JSON"), UserError);
  if (::geteuid() != 0) {  // root can write anywhere
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    CHECK_THROWS_AS(ensure_writable_dir(dir / "sub"), UserError);
    fs::permissions(dir, fs::perms::owner_all);
  }
  fs::remove_all(dir);
}

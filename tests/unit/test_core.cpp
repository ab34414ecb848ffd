// Core utilities: deterministic RNG, batch schedule, JSON configs, atomic files.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <unistd.h>

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
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

TEST_CASE("StagingDir: nothing appears until commit; an abandoned staging folder is removed") {
  const fs::path dir = fresh_dir("staging");
  {
    StagingDir s(dir / "result");
    std::ofstream(s.path() / "a.txt") << "x";
    CHECK_FALSE(fs::exists(dir / "result"));
  }
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 0);
  {
    StagingDir s(dir / "result");
    std::ofstream(s.path() / "a.txt") << "x";
    s.commit();
  }
  CHECK(fs::exists(dir / "result" / "a.txt"));
  fs::remove_all(dir);
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

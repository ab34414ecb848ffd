#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/runtime.h"
#include "core/version.h"
#include "data/augment.h"
#include "data/slices.h"
#include "preprocess/recipe.h"
#include "train/batches.h"
#include "train/checkpoint.h"
#include "train/step.h"
#include "train/validation.h"

namespace mis {

namespace fs = std::filesystem;

fs::path checkpoint_path(const fs::path& run_dir) { return run_dir / "checkpoint.pt"; }
fs::path train_log_path(const fs::path& run_dir) { return run_dir / "train_log.jsonl"; }
fs::path best_checkpoint_path(const fs::path& run_dir) { return run_dir / "checkpoint_best.pt"; }
fs::path train_summary_path(const fs::path& run_dir) { return run_dir / "train_summary.json"; }

fs::path resolve_checkpoint(const fs::path& given, const std::string& kind) {
  if (kind != "last" && kind != "best")
    throw UserError(fmt::format("--checkpoint-kind '{}': expected last or best", kind));
  const bool folder = fs::is_directory(given);
  if (kind == "last") return folder ? checkpoint_path(given) : given;
  const fs::path best = best_checkpoint_path(folder ? given : given.parent_path());
  if (!fs::exists(best))
    fail_file(best, "does not exist: only a training with validation (--val-split or --val-fraction) keeps a best "
                    "checkpoint; use --checkpoint-kind last");
  return best;
}

namespace {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& o, torch::nn::Module& model) {
  if (o.name == "adamw")
    return std::make_unique<torch::optim::AdamW>(model.parameters(),
                                                 torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  return std::make_unique<torch::optim::SGD>(
      model.parameters(), torch::optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

// TransUNet's poly schedule: lr * (1 - t/T)^power.
double poly_lr(const OptimizerConfig& o, int64_t step, int64_t total) {
  return o.lr * std::pow(1.0 - static_cast<double>(step) / static_cast<double>(total), o.poly_power);
}

// Keeps the log lines up to `step` so that a resumed run's log reads as one run.
void truncate_log(const fs::path& log, int64_t step) {
  if (!fs::exists(log)) return;
  std::ifstream in(log);
  std::string line, kept;
  while (std::getline(in, line)) {
    try {
      if (json::parse(line).at("step").get<int64_t>() <= step) kept += line + "\n";
    } catch (const json::exception&) {
      // A line cut by the kill: drop it.
    }
  }
  write_text_atomic(log, kept);
}

// "./syn/source/" and "syn/source" are the same data: compare resolved paths.
json identity_for_resume(TrainConfig config) {
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(fs::absolute(config.data), ec);
  if (!ec) config.data = resolved.string();
  return identity_of(config);
}

void require_same_identity(const fs::path& ckpt, const json& stored, const TrainConfig& config) {
  const json now = identity_for_resume(config);
  const json before = identity_for_resume(train_config_from_json(stored, ckpt.string()));
  if (now == before) return;
  const json diff = json::diff(before, now);
  fail_file(ckpt, "was trained with a different configuration (" + diff.dump() +
                      "); resume with the original settings or use another --output");
}

[[noreturn]] void fail_diverged(int64_t step, const std::string& what, const fs::path& ckpt) {
  std::string kept = "no checkpoint was written";
  if (fs::exists(ckpt)) kept = fmt::format("the checkpoint of step {} in {} is kept", read_checkpoint_meta(ckpt).step,
                                           ckpt.parent_path().string());
  throw UserError(fmt::format("training diverged at step {}: {}; {}. Lower --lr or check the data for NaN", step, what,
                              kept));
}

// Thrown from the loading callback when a stop is requested, so that a long load ends within
// moments of Ctrl-C or SIGTERM.
struct LoadingStopped {};

}  // namespace

TrainOutcome train(const TrainConfig& config, bool resume, const std::function<bool(int64_t)>& stop_requested) {
  if (config.output.empty()) throw UserError("train needs an output folder (--output)");
  if (config.data.empty()) throw UserError("train needs a dataset folder (--data)");
  const fs::path run_dir = config.output;
  const fs::path ckpt = checkpoint_path(run_dir);
  ensure_writable_dir(run_dir);
  remove_stale_temporaries(run_dir);  // a checkpoint write cut short by a kill
  if (fs::exists(ckpt) && !resume)
    fail_file(run_dir, "already holds a training run (checkpoint.pt); pass --resume to continue it, or choose another --output");

  const torch::Device device = parse_device(config.device);
  configure_threads(config.threads);
  const StepSettings step_settings{device, parse_precision(config.precision), config.channels_last};
  if (const auto warning = check_precision(step_settings.precision, device); !warning.empty())
    fmt::print(stderr, "{}\n", warning);
  const auto dataset = open_dataset(config.data, config.split);
  const DatasetInfo& info = dataset->info();
  if (const auto warning = mirroring_warning(config.augment, info.class_names); !warning.empty())
    fmt::print(stderr, "{}\n", warning);

  SlicePool pool;
  try {
    Progress progress("loading", static_cast<int64_t>(dataset->size()));
    pool = load_slice_pool(*dataset, config.normalization, config.patch_size, [&](std::size_t i) {
      progress.update(static_cast<int64_t>(i + 1));
      if (stop_requested && stop_requested(0)) throw LoadingStopped{};
    });
    progress.finish(fmt::format("{} slices of {}x{}", pool.size(), pool.images.size(2), pool.images.size(3)));
  } catch (const LoadingStopped&) {
    TrainOutcome stopped;
    stopped.checkpoint = ckpt;
    stopped.interrupted = true;
    return stopped;
  }
  // A quarter turn of a non-square slice changes its shape, and a batch cannot hold both shapes.
  if (config.augment.enabled && config.augment.rot90 && pool.images.size(2) != pool.images.size(3))
    throw UserError(fmt::format("{}: slices are {}x{} (width x height), and rot90 augmentation needs square slices; "
                                "set --patch-size N to resize them, or --rot90 false",
                                dataset->location(), pool.images.size(3), pool.images.size(2)));
  // Validation: the held-out cases leave the training pool; a fixed subset of their slices is scored.
  SlicePool val_pool;
  std::vector<int64_t> val_slices;
  if (config.validation.enabled()) {
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < dataset->size(); ++i) ids.push_back(dataset->case_id(i));
    const auto held_out = validation_cases(config, ids);
    val_pool = select_cases(pool, held_out, /*keep=*/true);
    pool = select_cases(pool, held_out, /*keep=*/false);
    val_slices = evenly_spaced(val_pool.size(), config.validation.slices);
    fmt::print(stderr, "validation: {} case(s) held out; {} of their {} slices scored every {} steps\n", held_out.size(),
               val_slices.size(), val_pool.size(), validation_interval(config));
  }
  if (config.batch_size > pool.size())
    throw UserError(fmt::format("{}: --batch-size {} is larger than the {} training slices of this data; use at most {}",
                                dataset->location(), config.batch_size, pool.size(), pool.size()));

  ModelSpec spec = config.model;
  spec.in_channels = info.num_channels();
  spec.num_classes = info.num_classes();
  seed_torch(config.seed);
  SegmentationModel model = make_model(spec);
  const int64_t divisor = model->size_divisor();
  if (pool.images.size(2) % divisor != 0 || pool.images.size(3) % divisor != 0)
    throw UserError(fmt::format("model {} needs slice sizes divisible by {}, the data has {}x{}; set --patch-size",
                                spec.name, divisor, pool.images.size(2), pool.images.size(3)));
  prepare_model(*model, step_settings);
  auto optimizer = make_optimizer(config.optimizer, *model);

  const int64_t total = total_steps(config, pool.size());
  CheckpointMeta meta;
  meta.total_steps = total;
  meta.train_config = to_json(config);
  meta.model = to_json(spec);
  meta.class_names = info.class_names;
  // For predict: how the training images were prepared (null: not known, an older manifest).
  if (const auto recipe = prep::recipe_of_dataset_folder(config.data); !recipe || !recipe->is_null())
    meta.preprocessing = {{"recipe", recipe.value_or(json())}};

  TrainOutcome outcome;
  outcome.checkpoint = ckpt;
  int64_t start = 0;
  if (resume && fs::exists(ckpt)) {
    const CheckpointMeta stored = read_checkpoint_meta(ckpt);
    require_same_identity(ckpt, stored.train_config, config);
    load_checkpoint_state(ckpt, *model, optimizer.get());
    prepare_model(*model, step_settings);  // loading may replace the weights' storage and layout
    start = stored.step;
    outcome.resumed_from = start;
    meta.validation = stored.validation;  // the best so far, which checkpoint_best.pt holds
    if (start >= total && fs::exists(train_summary_path(run_dir))) {
      outcome.already_complete = true;
      outcome.steps = start;
      return outcome;
    }
    // A stop already due at the checkpoint's step (train --stop-after N resumed at step >= N):
    // nothing to train in this invocation, rather than one step past it.
    if (start < total && stop_requested && stop_requested(start)) {
      outcome.interrupted = true;
      outcome.steps = start;
      return outcome;
    }
  }
  truncate_log(train_log_path(run_dir), start);
  write_json_atomic(run_dir / "config.json", to_json(config));

  std::ofstream log(train_log_path(run_dir), std::ios::app);
  if (!log) fail_file(train_log_path(run_dir), "cannot open for appending");

  BatchSchedule schedule(pool.size(), config.batch_size, config.seed);
  const auto prepare = [&](int64_t step) {
    return make_train_batch(pool, schedule.indices(step), config.augment, config.seed, step, device.is_cuda());
  };
  // The next batch is assembled on another thread while the current step runs.
  std::future<TrainBatch> next = std::async(std::launch::async, prepare, start);

  Progress progress("train", total, start);
  const auto t0 = std::chrono::steady_clock::now();
  // Means over the steps since the last log line: the total, then each named term.
  double sum_loss = 0, last_loss = 0;
  std::vector<double> sum_terms;
  int64_t since_log = 0;
  model->train();
  for (int64_t step = start; step < total; ++step) {
    TrainBatch batch = next.get();
    if (step + 1 < total) next = std::async(std::launch::async, prepare, step + 1);

    const double lr = poly_lr(config.optimizer, step, total);
    set_learning_rate(*optimizer, lr);
    const LossTerms terms = train_step(*model, *optimizer, batch, config.loss, step_settings);
    const LossValues values = read_loss_terms(terms);

    last_loss = values.total;
    if (!std::isfinite(last_loss)) fail_diverged(step + 1, fmt::format("the loss is {}", last_loss), ckpt);
    sum_loss += last_loss;
    sum_terms.resize(values.terms.size(), 0.0);
    for (size_t i = 0; i < values.terms.size(); ++i) sum_terms[i] += values.terms[i].second;
    ++since_log;

    const int64_t done = step + 1;
    if (done % config.log_every == 0 || done == total) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      json line = {{"step", done},
                   {"loss", sum_loss / since_log},
                   {"lr", lr},
                   {"elapsed_s", elapsed},
                   {"images_per_s", static_cast<double>((done - start) * config.batch_size) / elapsed}};
      for (size_t i = 0; i < values.terms.size(); ++i) line[values.terms[i].first] = sum_terms[i] / since_log;
      log << line.dump() << '\n' << std::flush;
      if (!log) fail_write(train_log_path(run_dir), "a log line could not be appended");
      sum_loss = 0;
      std::fill(sum_terms.begin(), sum_terms.end(), 0.0);
      since_log = 0;
    }
    if (config.validation.enabled() && (done % validation_interval(config) == 0 || done == total)) {
      json line = validation_score(*model, val_pool, val_slices, info.num_classes(), config.batch_size, step_settings);
      line["step"] = done;
      log << line.dump() << '\n' << std::flush;
      if (!log) fail_write(train_log_path(run_dir), "a log line could not be appended");
      const json& dsc = line["val_dsc"];
      const double best = meta.validation.is_object() ? meta.validation.value("best_dsc", -1.0) : -1.0;
      if (dsc.is_number() && dsc.get<double>() > best) {
        if (!weights_finite(*model)) fail_diverged(done, "the weights hold NaN or infinite values", ckpt);
        meta.validation = {{"best_dsc", dsc}, {"best_step", done}};
        meta.step = done;
        save_checkpoint(best_checkpoint_path(run_dir), meta, *model, /*optimizer=*/nullptr);
      }
    }
    const bool stop = done < total && stop_requested && stop_requested(done);
    if (done % config.checkpoint_every == 0 || done == total || stop) {
      if (!weights_finite(*model)) fail_diverged(done, "the weights hold NaN or infinite values", ckpt);
      meta.step = done;
      save_checkpoint(ckpt, meta, *model, optimizer.get());
    }
    progress.update(done, fmt::format("loss {:.4f} lr {:.2e}", last_loss, lr));
    if (stop) {
      outcome.interrupted = true;
      outcome.steps = done;
      outcome.final_loss = last_loss;
      return outcome;
    }
  }
  progress.finish(fmt::format("loss {:.4f}", last_loss));

  outcome.steps = total;
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  outcome.final_loss = last_loss;
  write_json_atomic(train_summary_path(run_dir), {{"steps", total},
                                                  {"resumed_from", start},
                                                  {"seconds", outcome.seconds},
                                                  {"final_loss", last_loss},
                                                  {"slices", pool.size()},
                                                  {"runtime", describe_runtime(device)},
                                                  {"code_version", code_version()},
                                                  {"config", to_json(config)}});
  return outcome;
}

}  // namespace mis

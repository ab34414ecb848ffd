#include "bench/bench.h"

#include <cmath>
#include <fstream>
#include <future>
#include <optional>

#include <fmt/format.h>

#include "bench/memory.h"
#include "bench/peak.h"
#include "bench/profile.h"
#include "bench/timing.h"
#include "core/error.h"
#include "core/host_memory.h"
#include "core/rng.h"
#include "core/runtime.h"
#include "losses/spatial.h"
#include "train/step.h"

namespace mis {

void to_json(json& j, const BenchConfig& c) {
  j = {{"model", {{"name", c.model.name}, {"options", c.model.options}}},
       {"in_channels", c.model.in_channels},
       {"num_classes", c.model.num_classes},
       {"size", c.size},
       {"batch_size", c.batch_size},
       {"warmup", c.warmup},
       {"steps", c.steps},
       {"precision", c.precision},
       {"channels_last", c.channels_last},
       {"prefetch", c.prefetch},
       {"measure_peak", c.measure_peak},
       {"loss", to_json(c.loss)},
       {"threads", c.threads},
       {"device", c.device},
       {"seed", c.seed},
       {"profile", c.profile}};
}

// `c` arrives with the defaults; the model and loss read the defaults overlaid with `given`'s.
void from_json(const json& given, BenchConfig& c) {
  const json j = merge_json(to_json(c), given);
  c.model.name = j.at("model").at("name").get<std::string>();
  c.model.options = j.at("model").value("options", json::object());
  c.model.in_channels = j.at("in_channels").get<int>();
  c.model.num_classes = j.at("num_classes").get<int>();
  c.size = j.at("size").get<int64_t>();
  c.batch_size = j.at("batch_size").get<int64_t>();
  c.warmup = j.at("warmup").get<int64_t>();
  c.steps = j.at("steps").get<int64_t>();
  c.precision = j.at("precision").get<std::string>();
  c.channels_last = j.at("channels_last").get<bool>();
  c.prefetch = j.at("prefetch").get<bool>();
  c.measure_peak = j.at("measure_peak").get<bool>();
  c.loss = loss_config_from_json(j.at("loss"));
  c.threads = j.at("threads").get<int>();
  c.device = j.at("device").get<std::string>();
  c.seed = j.at("seed").get<std::uint64_t>();
  c.profile = j.at("profile").get<bool>();
}

void validate(const BenchConfig& c, const std::string& source) {
  if (c.size < 1 || c.batch_size < 1) throw UserError(source + ": size and batch_size must be at least 1");
  if (c.steps < 1 || c.warmup < 0) throw UserError(source + ": steps must be >= 1 and warmup >= 0");
  if (c.model.in_channels < 1 || c.model.num_classes < 2)
    throw UserError(source + ": in_channels must be >= 1 and num_classes >= 2");
  parse_precision(c.precision);
}

int64_t training_flops(const FlopCount& forward) { return 3 * forward.total(); }

namespace {

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      auto name = line.substr(line.find(':') + 1);
      return name.substr(name.find_first_not_of(' '));
    }
  return "unknown";
}

// A pool of synthetic slices (random intensities; labels are blobs of every class, so that
// every class is present and the spectral term is computed for each): the bench measures
// speed, and speed does not depend on what the pixels show.
SlicePool synthetic_pool(int64_t count, int64_t channels, int64_t size, int64_t classes, std::uint64_t seed) {
  torch::manual_seed(static_cast<uint64_t>(derive_seed(seed, {0xBE7C})));
  SlicePool pool;
  pool.images = torch::randn({count, channels, size, size});
  const auto field = torch::avg_pool2d(torch::randn({count, 1, size, size}), 9, 1, 4);
  const auto ranks = (field.squeeze(1) - field.min()) / (field.max() - field.min() + 1e-12);
  pool.labels = torch::clamp((ranks * static_cast<double>(classes)).to(torch::kLong), 0, classes - 1).to(torch::kUInt8);
  return pool;
}

double gflops_rate(double flops, double seconds) { return seconds > 0 ? flops / seconds / 1e9 : 0; }

}  // namespace

json run_bench(const BenchConfig& config, const std::function<void(const std::string&)>& log_fn,
               const std::function<void(int64_t)>& pace) {
  const auto log = [&](const std::string& line) {
    if (log_fn) log_fn(line);
  };
  const torch::Device device = parse_device(config.device);
  const int threads = configure_threads(config.threads);
  const StepSettings settings{device, parse_precision(config.precision), config.channels_last};
  const std::string precision_warning = check_precision(settings.precision, device);
  if (!precision_warning.empty()) log(precision_warning);
  const auto sync = device_sync(device);
  const auto clock = steady_clock_seconds();

  json report;
  report["config"] = to_json(config);
  report["machine"] = {{"cpu", cpu_model_name()},
                       {"cores", machine_cores()},
                       {"threads", threads},
                       {"cpu_bf16", to_string(this_cpu_bf16_support())},
                       {"runtime", describe_runtime(device)},
                       {"host_allocator", host_allocator_setting().description},
                       {"cuda_device_count", torch::cuda::device_count()}};

  PeakRates peak;
  if (config.measure_peak) {
    log("measuring the matrix-product and 3x3-convolution rates");
    peak = measure_peak_rates(device, settings.precision, settings.channels_last);
    report["peak"] = to_json(peak);
  } else {
    report["peak"] = nullptr;
  }

  ModelSpec spec = config.model;
  seed_torch(config.seed);
  SegmentationModel model = make_model(spec);
  if (config.size % model->size_divisor() != 0)
    throw UserError(fmt::format("bench --size {}: model {} needs a multiple of {}", config.size, spec.name,
                                model->size_divisor()));
  prepare_model(*model, settings);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9).weight_decay(1e-4));

  const int64_t pool_size = 4 * config.batch_size;
  const SlicePool pool = synthetic_pool(pool_size, spec.in_channels, config.size, spec.num_classes, config.seed);
  const AugmentOptions augment;  // train's default recipe, so the data cost is the real one
  const auto indices = [&](int64_t step) {
    std::vector<int64_t> idx;
    for (int64_t b = 0; b < config.batch_size; ++b) idx.push_back((step * config.batch_size + b) % pool_size);
    return idx;
  };
  const auto prepare = [&](int64_t step) {
    return make_train_batch(pool, indices(step), augment, config.seed, step, device.is_cuda());
  };

  // FLOPs of one forward pass over a batch, counted from the operators LibTorch runs.
  FlopCount forward;
  {
    torch::NoGradGuard no_grad;
    const TrainBatch probe = prepare(0);
    const auto input = step_input(probe.images, settings);
    forward = count_flops([&] { (void)model->forward(input); });
  }
  const double forward_per_image = static_cast<double>(forward.total()) / static_cast<double>(config.batch_size);
  const double train_per_image = static_cast<double>(training_flops(forward)) / static_cast<double>(config.batch_size);
  report["flops"] = {{"forward_per_image", forward_per_image},
                     {"train_step_per_image", train_per_image},
                     {"convention", "forward counted per operator (model-info); a training step = 3 x forward"}};

  // Training steps, exactly as `train` runs them: prefetch on another thread, one loss readout.
  log(fmt::format("training: {} warm-up + {} timed steps of batch {}", config.warmup, config.steps, config.batch_size));
  model->train();
  const int64_t total = config.warmup + config.steps;
  std::vector<double> step_seconds, wait_seconds;
  double last_loss = 0;
  std::future<TrainBatch> next;
  if (config.prefetch) next = std::async(std::launch::async, prepare, 0);
  for (int64_t step = 0; step < total; ++step) {
    if (step == config.warmup) {
      sync();
      reset_peak_memory(device);
    }
    if (pace) pace(step);
    const double start = clock();
    TrainBatch batch;
    if (config.prefetch) {
      batch = next.get();
      if (step + 1 < total) next = std::async(std::launch::async, prepare, step + 1);
    } else {
      batch = prepare(step);
    }
    const double got = clock();
    const LossTerms terms = train_step(*model, optimizer, batch, config.loss, settings);
    last_loss = read_loss_terms(terms).total;  // the step's one synchronisation, as in train
    const double end = clock();
    if (step >= config.warmup) {
      step_seconds.push_back(end - start);
      wait_seconds.push_back(got - start);
    }
  }
  if (pace) pace(total);
  // Timings of steps that computed NaN are not timings of this model's training.
  if (!std::isfinite(last_loss))
    throw UserError(fmt::format("bench: the training loss became {} (model {}, {}); the timings would be meaningless. "
                                "Try --precision fp32 or a smaller --lr",
                                last_loss, config.model.name, to_string(settings.precision)));
  const int64_t peak_bytes = peak_memory_bytes(device);
  const double step_s = median(step_seconds);
  const double step_gflops = gflops_rate(train_per_image * static_cast<double>(config.batch_size), step_s);
  report["train"] = {{"step_seconds", step_seconds},
                     {"median_step_s", step_s},
                     {"images_per_s", static_cast<double>(config.batch_size) / step_s},
                     {"gflops", step_gflops},
                     {"of_conv3x3_peak", peak.conv3x3_gflops > 0 ? json(step_gflops / peak.conv3x3_gflops) : json(nullptr)},
                     {"of_matmul_peak", peak.matmul_gflops > 0 ? json(step_gflops / peak.matmul_gflops) : json(nullptr)},
                     {"last_loss", last_loss}};
  report["memory"] = {{"peak_bytes", peak_bytes}, {"source", peak_memory_source(device)}};
  // One more step under the profiler, after the timed ones so that its overhead touches none.
  constexpr std::size_t kProfileTop = 30;
  if (config.profile) {
    log("profiling one training step");
    const TrainBatch batch = prepare(total);
    report["profile"]["train_step"] = to_json(
        profile_operators([&] { (void)read_loss_terms(train_step(*model, optimizer, batch, config.loss, settings)); }),
        kProfileTop);
  }

  // The data pipeline alone (batch assembly + augmentation), and how much of it the step waited for.
  log("data pipeline");
  const auto data_seconds = time_runs([&] { (void)prepare(0); }, 1, static_cast<int>(config.steps), [] {}, clock);
  const double data_s = median(data_seconds);
  report["data"] = {{"batch_seconds", data_seconds},
                    {"median_batch_s", data_s},
                    {"prefetch", config.prefetch},
                    {"share_if_serial", share(data_s, step_s + (config.prefetch ? data_s : 0))},
                    {"median_wait_s", median(wait_seconds)},
                    {"wait_share", share(median(wait_seconds), step_s)}};

  // The spectral term alone: forward and backward from float32 logits of the real output size.
  // Its gradient then flows through the network's backward together with the spatial term's,
  // so this is what the term adds to a step.
  log("spectral loss");
  {
    const TrainBatch batch = prepare(0);
    torch::Tensor logits;
    {
      torch::NoGradGuard no_grad;
      AutocastGuard autocast(settings.precision, device);
      logits = model->forward(step_input(batch.images, settings));
    }
    logits = logits.to(torch::kFloat32).contiguous().detach().requires_grad_(true);
    const auto onehot = one_hot_masks(batch.labels.to(device), logits.size(1));
    const auto spectral_seconds = time_runs(
        [&] {
          const auto loss = spectral_loss(torch::softmax(logits, 1), onehot, config.loss.spectral);
          loss.backward();
          logits.mutable_grad().reset();
        },
        1, static_cast<int>(config.steps), sync, clock);
    const double spectral_s = median(spectral_seconds);
    report["spectral"] = {{"seconds", spectral_seconds},
                          {"median_s", spectral_s},
                          {"in_objective", config.loss.lambda != 0.0},
                          {"share_of_step", share(spectral_s, step_s)}};
  }

  // Inference: eval mode, no gradients, the same precision, prepared as eval and the other
  // checkpoint commands prepare it (load_for_inference): folded for inference (batch norm into the
  // convolutions, weight standardisation into the kernels) and, in bf16, with the weights' bf16
  // copies kept from one batch to the next (KeptWeightCasts). Timed in turns with an unfolded copy
  // of the same weights whose casts are made afresh for each batch (each pair in alternating
  // order), so that the speed-up is a median of paired ratios that a busy machine slows alike.
  log("inference");
  {
    model->eval();
    torch::NoGradGuard no_grad;
    SegmentationModel unfolded = make_model(spec);
    prepare_model(*unfolded, settings);
    auto target_parameters = unfolded->named_parameters();
    for (const auto& p : model->named_parameters()) target_parameters[p.key()].copy_(p.value());
    auto target_buffers = unfolded->named_buffers();
    for (const auto& b : model->named_buffers()) target_buffers[b.key()].copy_(b.value());
    unfolded->eval();
    model->fold_for_inference();
    prepare_model(*model, settings);  // the folded convolutions' weights in the step's layout
    const KeptWeightCasts kept_weight_casts;  // from here on the weights do not change

    const TrainBatch batch = prepare(0);
    const auto input = step_input(batch.images, settings);
    const auto forward = [&](SegmentationModelImpl& m) {
      std::optional<UncachedWeightCasts> uncached;
      if (&m == unfolded.get()) uncached.emplace();
      AutocastGuard autocast(settings.precision, device);
      return m.forward(input);
    };
    const auto time_one = [&](SegmentationModelImpl& m) {
      return time_runs([&] { (void)forward(m); }, 0, 1, sync, clock).front();
    };
    const int warmup = static_cast<int>(std::max<int64_t>(config.warmup, 1));
    std::vector<double> infer_seconds, unfolded_seconds, ratios;
    for (int r = 0; r < warmup + static_cast<int>(config.steps); ++r) {
      double folded_s = 0, unfolded_s = 0;
      if (r % 2 == 0) {
        unfolded_s = time_one(*unfolded);
        folded_s = time_one(*model);
      } else {
        folded_s = time_one(*model);
        unfolded_s = time_one(*unfolded);
      }
      if (r < warmup) continue;
      infer_seconds.push_back(folded_s);
      unfolded_seconds.push_back(unfolded_s);
      ratios.push_back(unfolded_s / folded_s);
    }
    if (config.profile) {
      log("profiling one inference batch");
      report["profile"]["inference"] = to_json(profile_operators([&] { (void)forward(*model); }), kProfileTop);
    }
    const auto unfolded_logits = forward(*unfolded).to(torch::kFloat32);
    const double infer_s = median(infer_seconds);
    const double infer_gflops = gflops_rate(forward_per_image * static_cast<double>(config.batch_size), infer_s);
    report["inference"] = {
        {"batch_seconds", infer_seconds},
        {"median_batch_s", infer_s},
        {"images_per_s", static_cast<double>(config.batch_size) / infer_s},
        {"gflops", infer_gflops},
        {"of_conv3x3_peak", peak.conv3x3_gflops > 0 ? json(infer_gflops / peak.conv3x3_gflops) : json(nullptr)},
        {"folded_for_inference",
         {{"unfolded_batch_seconds", unfolded_seconds},
          {"unfolded_median_batch_s", median(unfolded_seconds)},
          {"paired_speedups", ratios},
          {"speedup", median(ratios)},
          {"max_abs_logit_change", (forward(*model).to(torch::kFloat32) - unfolded_logits).abs().max().item<double>()},
          {"weight_casts_kept", settings.precision == Precision::bf16},
          {"max_abs_logit", unfolded_logits.abs().max().item<double>()}}}};
  }
  return report;
}

namespace {

std::string percent(const json& v) { return v.is_null() ? "-" : fmt::format("{:.1f}%", 100 * v.get<double>()); }

}  // namespace

std::string format_bench(const json& r) {
  const auto& c = r.at("config");
  std::string out = fmt::format("bench {} {}x{} batch {} {}{} on {} ({}; {} threads, bf16 {})\n",
                                c.at("model").at("name").get<std::string>(), c.at("size").get<int64_t>(),
                                c.at("size").get<int64_t>(), c.at("batch_size").get<int64_t>(),
                                c.at("precision").get<std::string>(), c.at("channels_last").get<bool>() ? " channels-last" : "",
                                c.at("device").get<std::string>(), r.at("machine").at("cpu").get<std::string>(),
                                r.at("machine").at("threads").get<int>(), r.at("machine").at("cpu_bf16").get<std::string>());
  if (!r.at("peak").is_null())
    out += fmt::format("  machine peak     matmul {:8.1f} GFLOP/s   conv3x3 {:8.1f} GFLOP/s\n",
                       r.at("peak").at("matmul_gflops").get<double>(), r.at("peak").at("conv3x3_gflops").get<double>());
  out += fmt::format("  FLOPs per image  forward {:.2f} G, training step {:.2f} G\n",
                     r.at("flops").at("forward_per_image").get<double>() / 1e9,
                     r.at("flops").at("train_step_per_image").get<double>() / 1e9);
  const auto& t = r.at("train");
  out += fmt::format("  train step       {:8.3f} s  {:7.2f} img/s  {:8.1f} GFLOP/s  {} of conv3x3 peak, {} of matmul peak\n",
                     t.at("median_step_s").get<double>(), t.at("images_per_s").get<double>(), t.at("gflops").get<double>(),
                     percent(t.at("of_conv3x3_peak")), percent(t.at("of_matmul_peak")));
  const auto& i = r.at("inference");
  out += fmt::format("  inference batch  {:8.3f} s  {:7.2f} img/s  {:8.1f} GFLOP/s  {} of conv3x3 peak\n",
                     i.at("median_batch_s").get<double>(), i.at("images_per_s").get<double>(), i.at("gflops").get<double>(),
                     percent(i.at("of_conv3x3_peak")));
  if (i.contains("folded_for_inference")) {
    const auto& f = i.at("folded_for_inference");
    out += fmt::format("    prepared for inference (folded batch norm and weight standardisation{}): {:.2f}x the "
                       "unfolded rate (median of paired ratios; unfolded {:.3f} s); logits moved "
                       "by at most {:.1e} (largest {:.1f})\n",
                       f.value("weight_casts_kept", false) ? ", bf16 weight casts kept" : "", f.at("speedup").get<double>(), f.at("unfolded_median_batch_s").get<double>(),
                       f.at("max_abs_logit_change").get<double>(), f.at("max_abs_logit").get<double>());
  }
  const auto& s = r.at("spectral");
  out += fmt::format("  spectral loss    {:8.3f} s  {} of a step{}\n", s.at("median_s").get<double>(),
                     percent(s.at("share_of_step")), s.at("in_objective").get<bool>() ? "" : " (not in this objective: lambda 0)");
  const auto& d = r.at("data");
  out += fmt::format("  data pipeline    {:8.3f} s per batch, {} of a step if serial; the step waited {} ({})\n",
                     d.at("median_batch_s").get<double>(), percent(d.at("share_if_serial")), percent(d.at("wait_share")),
                     d.at("prefetch").get<bool>() ? "prefetched on another thread" : "no prefetch");
  const auto bytes = r.at("memory").at("peak_bytes").get<int64_t>();
  out += fmt::format("  peak memory      {}\n", bytes < 0 ? std::string("unknown")
                                                          : fmt::format("{:.2f} GiB ({})", static_cast<double>(bytes) / (1 << 30),
                                                                        r.at("memory").at("source").get<std::string>()));
  out += fmt::format("  host allocator   {}\n", r.at("machine").value("host_allocator", std::string("not recorded")));
  if (r.contains("profile"))
    for (const auto& [part, profile] : r.at("profile").items()) {
      const double total = profile.at("self_ms_total").get<double>();
      out += fmt::format("  profile of one {} (LibTorch profiler, {:.1f} ms of operators in {:.1f} ms), largest self times:\n",
                         part == "train_step" ? "training step" : "inference batch", total,
                         profile.at("wall_ms").get<double>());
      int shown = 0;
      for (const auto& op : profile.at("operators")) {
        if (++shown > 10) break;
        const double self = op.at("self_ms").get<double>();
        out += fmt::format("    {:>9.1f} ms {:>6}  {:>6} calls  {}\n", self, percent(json(share(self, total))),
                           op.at("calls").get<int64_t>(), op.at("name").get<std::string>());
      }
    }
  return out;
}

}  // namespace mis

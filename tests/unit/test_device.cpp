// The CUDA code paths, run where a GPU is present (scripts/gpu-check.sh) and compiled in every
// build, so that a change that breaks them fails to compile in CI without a GPU: device
// placement of model and batch, pinned-memory batches copied without blocking, bf16 autocast on
// CUDA, the CUDA allocator's peak. Each compares the GPU with the CPU (an independent device),
// within float32's rounding of different kernels.
#include <doctest/doctest.h>

#include "bench/memory.h"
#include "core/runtime.h"
#include "models/registry.h"
#include "support.h"
#include "train/step.h"

using namespace mis;

namespace {

bool have_cuda() {
  if (torch::cuda::is_available()) return true;
  MESSAGE("no CUDA device here: the CUDA checks run on a GPU machine (scripts/gpu-check.sh)");
  return false;
}

ModelSpec device_test_unet() {
  ModelSpec spec;
  spec.name = "unet-small";
  spec.num_classes = 3;
  spec.options = {{"base_width", 8}, {"depth", 2}};
  return spec;
}

// The losses of three steps of the same model, batch and seed on `device`.
std::vector<double> three_step_losses(const torch::Device& device, Precision precision, bool pin) {
  torch::manual_seed(5);
  auto model = make_model(device_test_unet());
  const StepSettings settings{device, precision, /*channels_last=*/true};
  prepare_model(*model, settings);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  TrainBatch batch{torch::rand({4, 1, 64, 64}), torch::randint(0, 3, {4, 64, 64})};
  if (pin) batch = {batch.images.pin_memory(), batch.labels.pin_memory()};
  LossConfig loss;
  loss.lambda = 0.5;
  std::vector<double> losses;
  for (int i = 0; i < 3; ++i) losses.push_back(read_loss_terms(train_step(*model, optimizer, batch, loss, settings)).total);
  return losses;
}

}  // namespace

TEST_CASE("device: --device parsing, CUDA is a clear error where there is none") {
  CHECK(parse_device("cpu") == torch::Device(torch::kCPU));
  if (!torch::cuda::is_available()) {
    CHECK(error_of([] { parse_device("cuda"); }).find("use --device cpu") != std::string::npos);
    return;
  }
  CHECK(parse_device("cuda:0") == torch::Device(torch::kCUDA, 0));
}

TEST_CASE("device (CUDA): three training steps from pinned memory match the CPU's, in fp32 and in bf16") {
  if (!have_cuda()) return;
  const auto cpu = three_step_losses(torch::kCPU, Precision::fp32, false);
  const auto gpu = three_step_losses(torch::Device(torch::kCUDA, 0), Precision::fp32, true);
  // cuDNN and oneDNN sum in other orders (and TF32 is off by default in LibTorch): 1e-3 relative.
  for (std::size_t i = 0; i < cpu.size(); ++i) CHECK(gpu[i] == doctest::Approx(cpu[i]).epsilon(1e-3));
  // bf16 autocast on CUDA: 8 significant bits, as in test_bf16_step.cpp's bound.
  const auto bf16 = three_step_losses(torch::Device(torch::kCUDA, 0), Precision::bf16, true);
  for (std::size_t i = 0; i < cpu.size(); ++i) CHECK(bf16[i] == doctest::Approx(cpu[i]).epsilon(0.01));
}

TEST_CASE("device (CUDA): the allocator's peak counts a tensor allocated after the reset") {
  if (!have_cuda()) return;
#ifndef MIS_WITH_CUDA
  MESSAGE("built without -DMIS_WITH_CUDA=ON: the allocator's statistics are not compiled in");
  return;
#endif
  const torch::Device gpu(torch::kCUDA, 0);
  reset_peak_memory(gpu);
  const int64_t bytes = int64_t{64} << 20;
  {
    auto block = torch::empty({bytes / 4}, torch::TensorOptions().dtype(torch::kFloat32).device(gpu));
    CHECK(peak_memory_bytes(gpu) >= bytes);
  }
  CHECK(peak_memory_source(gpu).find("CUDA") != std::string::npos);
}

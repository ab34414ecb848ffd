#pragma once
// The tiny training run several test files train (a 4-wide, 2-level UNet, 6 steps of 2 slices,
// one thread): one copy, because the unity build compiles test files together.
#include <filesystem>

#include "train/train_config.h"

inline mis::TrainConfig tiny_train_config(const std::filesystem::path& data, const std::filesystem::path& out) {
  mis::TrainConfig t;
  t.data = data.string();
  t.output = out.string();
  t.model.options = {{"base_width", 4}, {"depth", 2}};
  t.iterations = 6;
  t.batch_size = 2;
  t.checkpoint_every = 100;
  t.log_every = 1;
  t.threads = 1;
  t.seed = 11;
  return t;
}

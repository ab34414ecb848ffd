#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <torch/torch.h>

int main(int argc, char** argv) {
  // One thread: results (and the resume test) must be bit-for-bit reproducible.
  torch::set_num_threads(1);
  doctest::Context context(argc, argv);
  return context.run();
}

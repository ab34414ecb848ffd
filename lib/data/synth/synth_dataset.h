#pragma once
// `synth`: writes the synthetic domain-shift benchmark as nnU-Net v2 raw datasets, one folder
// per scanner domain:
//   OUT/source/     imagesTr, labelsTr (training cases) and imagesTs, labelsTs (IID test cases)
//   OUT/scanner-b/  imagesTs, labelsTs (out-of-distribution test cases), likewise for the others
//   OUT/synth.json  the generator settings
// Anatomy is seeded per case; a case id names the same anatomy in every domain.
#include <string>

#include "core/config.h"

namespace mis {

struct SynthConfig {
  std::string output;
  int64_t train_cases = 24;
  int64_t test_cases = 8;   // per domain
  int64_t size = 96;
  int64_t slices = 12;
  int64_t classes = 3;      // foreground classes: 3 = RV, MYO, LV
  int64_t domains = 4;      // source + 3 targets
  std::uint64_t seed = 0;
};

MIS_CONFIG_KEYS(SynthConfig, output, train_cases, test_cases, size, slices, classes, domains, seed)
void validate(const SynthConfig& c, const std::string& source);

// Writes everything into a staging folder and moves it to config.output at the end, so an
// interrupted run never leaves a folder that looks complete. Each domain folder holds its cases
// as NIfTI files (nnU-Net v2 raw layout) and as a LibTorch pack (data/pack.h); a build without
// ITK writes the packs alone. Returns the number of cases written.
int64_t write_synthetic_benchmark(const SynthConfig& config);

}  // namespace mis

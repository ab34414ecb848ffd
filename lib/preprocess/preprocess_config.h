#pragma once
// Settings of `preprocess`: which dataset layout to read, where, and how images are turned
// into training-ready volumes. Its JSON form is what --config files hold and what manifest.json
// quotes; flags override single keys.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"

namespace mis {

// The layouts `preprocess` reads (datasets/<name>/README.md describes each).
const std::vector<std::string>& preprocess_dataset_names();

struct PreprocessConfig {
  std::string dataset;  // synapse | acdc | kvasir-seg | polypgen | isic2018 | isic2017 | glas | monuseg | nnunet
  std::string input;    // the raw dataset folder, in its published layout
  std::string output;   // the processed dataset folder (nnU-Net v2 raw layout + manifest.json)

  // 2-D images are resized to size x size (0 keeps each image's native size).
  int64_t size = 224;
  // How: "stretch" scales each axis on its own (a 181x217 image is squashed into the square, as
  // the paper datasets' published pipelines do); "pad" keeps the aspect ratio, scales the longer
  // side to `size` and pads the shorter one on both sides (images with 0 after normalisation,
  // labels with background); predict resamples back through the same grid.
  std::string resize = "stretch";
  // 3-D volumes keep their in-plane size by default (0), so that per-volume metrics are
  // computed at the native resolution as in TransUNet; N resamples each slice to N x N.
  int64_t volume_size = 0;
  // Target voxel spacing (x, y, z) in mm for 3-D volumes; empty or 0 components keep the
  // native spacing. volume_size, when set, decides the in-plane spacing instead.
  std::vector<double> spacing;
  std::string interpolation = "linear";  // images: linear | bspline (labels always nearest)
  bool antialias = true;                 // Gaussian smoothing before downsampling images
  bool reorient = true;                  // volumes to ITK's RAI code (image_ops.h)

  // auto | ct-window | percentile-minmax | percentile-zscore | unit-range | none
  // (auto: the dataset's protocol; see datasets/<name>/README.md)
  std::string intensity = "auto";
  std::array<double, 2> ct_window{-125.0, 275.0};  // HU, TransUNet's abdominal window
  std::array<double, 2> percentiles{0.5, 99.5};    // MRI clipping before z-score / [0, 1]
  std::string color = "auto";                      // auto | rgb | grey

  int64_t mask_threshold = 127;            // lossy (JPEG) masks: foreground when value > threshold
  std::string polygon_rule = "even-odd";   // MoNuSeg outlines: even-odd | nonzero

  // Datasets without an official split are split by patient/image with this seed:
  // test_fraction to the test split, val_fraction to validation (splits.json), the rest train.
  std::uint64_t seed = 0;
  double val_fraction = 0.1;
  double test_fraction = 0.2;

  int threads = 0;  // worker threads over cases; 0 = every core
};

MIS_CONFIG_KEYS(PreprocessConfig, dataset, input, output, size, resize, volume_size, spacing, interpolation, antialias,
                reorient, intensity, ct_window, percentiles, color, mask_threshold, polygon_rule, seed, val_fraction,
                test_fraction, threads)
// The checks behind config_from_json<PreprocessConfig> (core/config.h).
void validate(const PreprocessConfig& c, const std::string& source);

// The settings that change what a case's output files contain (not where they go, how fast
// they are made, or how cases are split): a cached case is reused only when these match.
json case_identity_of(const PreprocessConfig& c);

}  // namespace mis

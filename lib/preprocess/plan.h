#pragma once
// What `preprocess` will do, decided before any pixel is read: the cases of a dataset (their
// source files, output folder and split), how images and masks are to be interpreted, and the
// folders to write. One planner per published layout (synapse.cpp, acdc.cpp, polyp.cpp,
// isic.cpp, glas.cpp, monuseg.cpp, nnunet.cpp); each checks that every case has its image and
// mask before anything is processed, so a broken download fails in seconds.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/strings.h"
#include "preprocess/preprocess_config.h"

namespace mis::prep {

namespace fs = std::filesystem;

// How a mask file becomes a label map.
enum class MaskKind {
  label_map,   // integer labels, mapped through DatasetPlan::label_lut (volumes, nnU-Net data)
  threshold,   // lossy 8-bit masks (JPEG): foreground when value > mask_threshold
  binary,      // lossless binary masks: values must be {0, 255} or {0, 1}
  instances,   // instance-labelled masks (GlaS): foreground when value > 0
  polygons,    // ImageScope XML outlines (MoNuSeg), rasterised at the image's resolution
};

enum class Intensity {
  ct_window,          // clip to config.ct_window (HU), then scale to [0, 1]
  percentile_minmax,  // clip to the volume's config.percentiles, then scale to [0, 1]
  percentile_zscore,  // clip to the volume's percentiles, then (x - mean) / std
  unit_range,         // integer images: divide by the type's maximum (255 for 8-bit); others: per-image min-max
  none,
};

Intensity parse_intensity(const std::string& name);
std::string to_string(Intensity i);

enum class ColorMode {
  keep,  // as many channels as the files hold (must match channel_names)
  rgb,   // 3 channels: grey is replicated, an alpha channel dropped
  grey,  // 1 channel: RGB -> luminance (ITK)
};

struct CaseSource {
  std::string id;                       // output case identifier (unique within its folder)
  std::string folder;                   // output sub-folder; "" = the output folder itself
  std::string split;                    // "train" | "val" | "test" (val cases live in imagesTr + splits.json)
  std::vector<fs::path> images;         // one file per channel, or one multi-component (RGB) file
  fs::path label;                       // empty: no reference segmentation
  std::vector<std::string> also_in;     // further output folders that get a copy (hard link)
  json info = json::object();           // facts for the manifest (patient, phase, centre, subset)
};

struct OutputFolder {
  std::string path;  // relative to the output folder; "" = itself
  std::string name;  // dataset.json "name"
  std::string domain;
  std::string description;
};

struct DatasetPlan {
  std::string dataset;                      // the config's dataset name
  bool volumetric = false;                  // 3-D volumes (reoriented, resampled) vs 2-D images (resized)
  ColorMode color = ColorMode::keep;
  std::vector<std::string> channel_names;   // output channels
  std::vector<Intensity> intensity;         // one per output channel
  std::vector<std::string> class_names;     // index = label value, [0] = background
  MaskKind mask_kind = MaskKind::label_map;
  std::vector<int64_t> label_lut;           // label_map: raw v -> lut[v]; v outside the table or lut[v] < 0 is an error
  std::string label_map_name;               // for messages, e.g. "the 14 BTCV labels (0..13)"
  std::vector<OutputFolder> folders;
  std::vector<CaseSource> cases;
  json split_info = json::object();         // how the split was made, for the manifest
  json sources = json::object();            // where the layout and label map were verified (README)
  std::vector<std::string> notes;           // shown to the user and kept in the manifest
};

// Every dataset layout preprocess reads: its --dataset name and its planner (one file each). A new
// layout is its planner plus one line in the table (layout_util.cpp); the names that --dataset
// accepts and --help lists come from the table.
struct DatasetLayout {
  std::string name;
  DatasetPlan (*plan)(const PreprocessConfig& config);
};
const std::vector<DatasetLayout>& dataset_layouts();

// The plan of config.dataset's layout (a UserError naming the layouts for an unknown one).
DatasetPlan plan_dataset(const PreprocessConfig& config);

DatasetPlan plan_synapse(const PreprocessConfig& config);
DatasetPlan plan_acdc(const PreprocessConfig& config);
DatasetPlan plan_kvasir_seg(const PreprocessConfig& config);
DatasetPlan plan_polypgen(const PreprocessConfig& config);
DatasetPlan plan_isic2018(const PreprocessConfig& config);
DatasetPlan plan_isic2017(const PreprocessConfig& config);
DatasetPlan plan_glas(const PreprocessConfig& config);
DatasetPlan plan_monuseg(const PreprocessConfig& config);
DatasetPlan plan_nnunet(const PreprocessConfig& config);

// ---- helpers shared by the planners (layout_util.cpp) ----

// The first folder at or below `root` (breadth-first, at most `max_depth` levels down) for
// which `accept` holds; archives are often unpacked one or two folders deep. Throws a
// UserError "<root>: <expected>" when there is none.
fs::path find_layout_root(const fs::path& root, int max_depth, const std::function<bool(const fs::path&)>& accept,
                          const std::string& expected);

// Regular files directly in `dir` whose extension (lower-cased, e.g. ".jpg") is listed, sorted
// by name; hidden files and macOS "._" resource forks are skipped.
std::vector<fs::path> list_files(const fs::path& dir, const std::vector<std::string>& extensions);

// Sub-folders of `dir`, sorted by name.
std::vector<fs::path> list_dirs(const fs::path& dir);

// lower and ends_with: core/strings.h.
// The file name without its extension (".nii.gz" counts as one extension).
std::string stem_of(const fs::path& p);

// sanitize_id (core/strings.h) makes case ids safe file names.

// Seeded split of `units` (patients or images; order does not matter): a Fisher-Yates shuffle
// with mis::Rng(derive_seed(seed, {stream})), then round(test_fraction * n) units to "test",
// round(val_fraction * n) to "val", the rest to "train" (at least one unit stays in train).
// Returns the split of each unit in the input order.
std::vector<std::string> seeded_split(const std::vector<std::string>& units, std::uint64_t seed, double val_fraction,
                                      double test_fraction, std::uint64_t stream);

// Applies config.color to a plan of RGB or grey 2-D images: sets color and channel_names.
void apply_color(DatasetPlan& plan, const PreprocessConfig& config, ColorMode dataset_default);

// Fills plan.intensity with one mode for every channel: config.intensity, or `dataset_default` for "auto".
void apply_intensity(DatasetPlan& plan, const PreprocessConfig& config, Intensity dataset_default);

// Throws when two cases of one folder share an id, or the plan has no cases.
void check_plan(const DatasetPlan& plan, const fs::path& input);

}  // namespace mis::prep

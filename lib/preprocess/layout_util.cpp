// Helpers shared by the dataset planners, and the dispatch on the dataset name.
#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (in fmt/format.h before fmt 11)

#include "core/error.h"
#include "core/files.h"
#include "core/rng.h"
#include "preprocess/plan.h"

namespace mis::prep {

Intensity parse_intensity(const std::string& name) {
  if (name == "ct-window") return Intensity::ct_window;
  if (name == "percentile-minmax") return Intensity::percentile_minmax;
  if (name == "percentile-zscore") return Intensity::percentile_zscore;
  if (name == "unit-range") return Intensity::unit_range;
  if (name == "none") return Intensity::none;
  throw UserError("unknown intensity mode '" + name +
                  "' (expected ct-window, percentile-minmax, percentile-zscore, unit-range or none)");
}

std::string to_string(Intensity i) {
  switch (i) {
    case Intensity::ct_window: return "ct-window";
    case Intensity::percentile_minmax: return "percentile-minmax";
    case Intensity::percentile_zscore: return "percentile-zscore";
    case Intensity::unit_range: return "unit-range";
    case Intensity::none: return "none";
  }
  return "?";
}

const std::vector<DatasetLayout>& dataset_layouts() {
  static const std::vector<DatasetLayout> layouts{
      {"synapse", plan_synapse},        // synapse.cpp
      {"acdc", plan_acdc},              // acdc.cpp
      {"kvasir-seg", plan_kvasir_seg},  // polyp.cpp
      {"polypgen", plan_polypgen},      // polyp.cpp
      {"isic2018", plan_isic2018},      // isic.cpp
      {"isic2017", plan_isic2017},      // isic.cpp
      {"glas", plan_glas},              // glas.cpp
      {"monuseg", plan_monuseg},        // monuseg.cpp
      {"nnunet", plan_nnunet},          // nnunet.cpp
  };
  return layouts;
}

DatasetPlan plan_dataset(const PreprocessConfig& c) {
  for (const auto& layout : dataset_layouts())
    if (layout.name == c.dataset) return layout.plan(c);
  throw UserError(fmt::format("unknown dataset '{}' (expected one of {})", c.dataset,
                              fmt::join(preprocess_dataset_names(), ", ")));
}

fs::path find_layout_root(const fs::path& root, int max_depth, const std::function<bool(const fs::path&)>& accept,
                          const std::string& expected) {
  require_exists(root, "the raw dataset folder given with --input");
  if (!fs::is_directory(root)) fail_file(root, "expected a folder (the unpacked dataset), found a file");
  std::deque<std::pair<fs::path, int>> queue{{root, 0}};
  while (!queue.empty()) {
    auto [dir, depth] = queue.front();
    queue.pop_front();
    if (accept(dir)) return dir;
    if (depth >= max_depth) continue;
    for (const auto& sub : list_dirs(dir)) queue.emplace_back(sub, depth + 1);
  }
  fail_file(root, expected);
}

namespace {
bool hidden(const std::string& name) { return name.empty() || name[0] == '.' || name.rfind("._", 0) == 0; }
}  // namespace

std::vector<fs::path> list_files(const fs::path& dir, const std::vector<std::string>& extensions) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (hidden(name) || !it->is_regular_file()) continue;
    const std::string lname = lower(name);
    for (const auto& ext : extensions)
      if (ends_with(lname, ext)) {
        files.push_back(it->path());
        break;
      }
  }
  if (ec) fail_file(dir, "cannot list folder: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> list_dirs(const fs::path& dir) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (hidden(it->path().filename().string())) continue;
    if (it->is_directory()) dirs.push_back(it->path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::string stem_of(const fs::path& p) {
  const std::string name = p.filename().string();
  if (ends_with(lower(name), ".nii.gz")) return name.substr(0, name.size() - 7);
  const auto dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

std::vector<std::string> seeded_split(const std::vector<std::string>& units, std::uint64_t seed, double val_fraction,
                                      double test_fraction, std::uint64_t stream) {
  const std::size_t n = units.size();
  // Shuffle a sorted copy, so the result does not depend on the order the files were listed in.
  std::vector<std::string> order = units;
  std::sort(order.begin(), order.end());
  Rng rng(derive_seed(seed, {0x5eed5b1177ull ^ stream}));
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  auto n_test = static_cast<std::size_t>(std::llround(test_fraction * static_cast<double>(n)));
  auto n_val = static_cast<std::size_t>(std::llround(val_fraction * static_cast<double>(n)));
  while (n > 0 && n_test + n_val >= n) {  // keep at least one training unit
    if (n_val > 0) --n_val;
    else --n_test;
  }
  std::map<std::string, std::string> split_of;
  for (std::size_t i = 0; i < n; ++i) split_of[order[i]] = i < n_test ? "test" : i < n_test + n_val ? "val" : "train";
  std::vector<std::string> out;
  out.reserve(n);
  for (const auto& u : units) out.push_back(split_of.at(u));
  return out;
}

void apply_color(DatasetPlan& plan, const PreprocessConfig& c, ColorMode dataset_default) {
  plan.color = c.color == "rgb" ? ColorMode::rgb : c.color == "grey" ? ColorMode::grey : dataset_default;
  if (plan.color == ColorMode::rgb) plan.channel_names = {"R", "G", "B"};
  if (plan.color == ColorMode::grey) plan.channel_names = {"grey"};
}

void apply_intensity(DatasetPlan& plan, const PreprocessConfig& c, Intensity dataset_default) {
  const Intensity mode = c.intensity == "auto" ? dataset_default : parse_intensity(c.intensity);
  plan.intensity.assign(plan.channel_names.size(), mode);
}

void check_plan(const DatasetPlan& plan, const fs::path& input) {
  if (plan.cases.empty()) fail_file(input, "no cases found in the " + plan.dataset + " layout; see datasets/" + plan.dataset + "/README.md");
  std::set<std::string> seen;
  for (const auto& cs : plan.cases) {
    for (const auto& folder : [&] {
           std::vector<std::string> f{cs.folder};
           f.insert(f.end(), cs.also_in.begin(), cs.also_in.end());
           return f;
         }()) {
      const std::string key = folder + "/" + cs.id;
      if (!seen.insert(key).second)
        fail_file(cs.images.empty() ? input : cs.images[0],
                  fmt::format("two cases are named '{}'{}; rename one of the files", cs.id,
                              folder.empty() ? "" : " in " + folder));
    }
  }
  if (plan.channel_names.size() != plan.intensity.size())
    throw std::logic_error("plan: one intensity mode per channel is required");
}

}  // namespace mis::prep

#include "eval/score.h"

#include <chrono>
#include <cmath>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"
#include "core/fingerprint.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "data/nnunet_raw.h"
#include "data/volume_io.h"
#include "eval/evaluator.h"
#include "eval/result_schema.h"
#include "metrics/hd95.h"

namespace mis {

void validate(const ScoreConfig& c, const std::string& source) {
  parse_convention(c.convention);
  if (c.hd95 != "off") parse_hd95_variant(c.hd95, source + ": hd95");
}

std::string markdown_path_for(const std::string& output) {
  fs::path p(output);
  return p.replace_extension(".md").string();
}

namespace {

// Label-map file endings this reader accepts, longest first so ".nii.gz" wins over ".gz".
constexpr const char* kEndings[] = {".nii.gz", ".nii", ".png", ".bmp", ".tiff", ".tif"};

// case id -> file, for the label maps in `dir`; other files (dataset.json, plans, ...) are ignored.
std::map<std::string, fs::path> label_files(const fs::path& dir, const std::string& what) {
  require_exists(dir, what);
  if (!fs::is_directory(dir)) fail_file(dir, "expected a folder of label maps (" + what + "), found a file");
  std::map<std::string, fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    // A label map in a format this reader skips would drop its case without a word.
    std::string lower = name;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const char* other : {".nrrd", ".mha", ".mhd", ".jpg", ".jpeg", ".npy", ".npz"}) {
      const std::string e = other;
      if (lower.size() > e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0)
        fail_file(entry.path(), fmt::format("a label map score does not read ({}); convert it to .nii.gz or .png "
                                            "(lossless), or move it out of {}",
                                            e, dir.string()));
    }
    for (const char* ending : kEndings) {
      const std::string e = ending;
      if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
        const std::string id = name.substr(0, name.size() - e.size());
        if (files.count(id))
          fail_file(entry.path(), fmt::format("case '{}' appears twice in this folder ({} and {}); keep one",
                                              id, files[id].filename().string(), name));
        files[id] = entry.path();
        break;
      }
    }
  }
  if (files.empty())
    fail_file(dir, "no label maps found (expected files ending in .nii.gz, .nii, .png, .bmp, .tif or .tiff)");
  return files;
}

std::string list_some(const std::vector<std::string>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size() && i < 5; ++i) s += (i ? ", " : "") + ids[i];
  if (ids.size() > 5) s += fmt::format(", ... ({} in all)", ids.size());
  return s;
}

torch::Tensor read_labels(const fs::path& path, Geometry* geometry) {
  Volume v = read_label_volume(path);
  if (geometry) *geometry = v.geometry;
  return v.voxels[0];  // [Z, Y, X]
}

// An absolute folder path without a trailing separator ("labelsTs/" -> ".../labelsTs").
fs::path folder_path(const std::string& dir) {
  fs::path p = fs::absolute(fs::path(dir)).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p;
}

// Where the class names come from: --labels, else a dataset.json beside the references (nnU-Net's
// labelsTs/../dataset.json) or in the prediction folder (nnU-Net copies it there).
std::optional<fs::path> find_labels_json(const ScoreConfig& c) {
  if (!c.labels.empty()) {
    fs::path p(c.labels);
    if (fs::is_directory(p)) p /= "dataset.json";
    require_exists(p, "the dataset.json that names the labels (--labels)");
    return p;
  }
  const fs::path ref = folder_path(c.ref), pred = folder_path(c.pred);
  for (const fs::path& p : {ref / "dataset.json", ref.parent_path() / "dataset.json", pred / "dataset.json"})
    if (fs::is_regular_file(p)) return p;
  return std::nullopt;
}

std::string show_spacing(const Geometry& g) {
  return fmt::format("{:.6g} x {:.6g} x {:.6g}", g.spacing[0], g.spacing[1], g.spacing[2]);
}

// The shape must always match; spacing, origin and direction too unless check_geometry is off.
void check_same_grid(const fs::path& pred_path, const torch::Tensor& pred, const Geometry& pg, const fs::path& ref_path,
                     const torch::Tensor& ref, const Geometry& rg, bool check_geometry) {
  if (pred.sizes() != ref.sizes())
    fail_file(pred_path, fmt::format("prediction size {}x{}x{} differs from the reference's {}x{}x{} ({})", pred.size(2),
                                     pred.size(1), pred.size(0), ref.size(2), ref.size(1), ref.size(0),
                                     ref_path.string()));
  if (!check_geometry) return;
  for (int i = 0; i < 3; ++i) {
    const double tol = 1e-3 * std::max(1.0, std::abs(rg.spacing[i]));
    if (std::abs(pg.spacing[i] - rg.spacing[i]) > tol)
      fail_file(pred_path, fmt::format("spacing {} mm differs from the reference's {} mm ({}); resample the prediction "
                                       "onto the reference grid, or pass --no-geometry-check if only the header is wrong",
                                       show_spacing(pg), show_spacing(rg), ref_path.string()));
    if (std::abs(pg.origin[i] - rg.origin[i]) > 1e-2 * std::max(1.0, std::abs(rg.spacing[i])))
      fail_file(pred_path, fmt::format("origin ({:.6g}, {:.6g}, {:.6g}) differs from the reference's ({:.6g}, {:.6g}, "
                                       "{:.6g}) ({}); pass --no-geometry-check if only the header is wrong",
                                       pg.origin[0], pg.origin[1], pg.origin[2], rg.origin[0], rg.origin[1],
                                       rg.origin[2], ref_path.string()));
  }
  for (int i = 0; i < 9; ++i)
    if (std::abs(pg.direction[i] - rg.direction[i]) > 1e-3)
      fail_file(pred_path, fmt::format("orientation (direction matrix) differs from the reference's ({}); pass "
                                       "--no-geometry-check if only the header is wrong",
                                       ref_path.string()));
}

void check_label_range(const fs::path& path, const torch::Tensor& labels, const std::vector<std::string>& classes,
                       const std::string& names_from) {
  const int64_t lo = labels.min().item<int64_t>(), hi = labels.max().item<int64_t>();
  const auto k = static_cast<int64_t>(classes.size());
  if (lo < 0 || hi >= k) {
    const int64_t bad = lo < 0 ? lo : hi;
    fail_file(path, fmt::format("label value {} is not one of the classes 0..{} ({}){}", bad, k - 1, names_from,
                                bad == 255 ? "; a 0/255 mask must be converted to 0/1 labels" : ""));
  }
}

std::string show_metric(const json& stats, double scale, const char* unit) {
  if (!stats.is_object() || stats["mean"].is_null()) return "–";
  return fmt::format("{:.2f} ± {:.2f}{} (n={})", scale * stats["mean"].get<double>(), scale * stats["std"].get<double>(),
                     unit, stats["n"].get<int64_t>());
}

}  // namespace

json run_score(const ScoreConfig& config) {
  if (config.pred.empty()) throw UserError("score needs --pred (the folder of predicted label maps)");
  if (config.ref.empty()) throw UserError("score needs --ref (the folder of reference label maps)");
  if (config.output.empty()) throw UserError("score needs --output (the result JSON to write)");
  const EmptyConvention convention = parse_convention(config.convention);
  const bool with_hd95 = config.hd95 != "off";
  const Hd95Variant variant = with_hd95 ? parse_hd95_variant(config.hd95) : Hd95Variant::medpy;
  if (with_hd95 && !hd95_available())
    throw UserError("score --hd95 " + config.hd95 + ": this binary was built without ITK; pass --hd95 off");
  if (!volume_io_available())
    throw UserError("score reads NIfTI/PNG label maps through ITK, and this binary was built with -DMIS_WITH_ITK=OFF");
  const auto output_dir = fs::path(config.output).parent_path();
  if (!output_dir.empty()) ensure_writable_dir(output_dir);
  configure_threads(config.threads);
  const auto t0 = std::chrono::steady_clock::now();

  // Pair the files before reading any: a missing case fails in a second, not after an hour.
  const auto refs = label_files(config.ref, "reference label maps (--ref)");
  const auto preds = label_files(config.pred, "predicted label maps (--pred)");
  std::vector<std::string> no_pred, no_ref;
  for (const auto& [id, path] : refs)
    if (!preds.count(id)) no_pred.push_back(id);
  for (const auto& [id, path] : preds)
    if (!refs.count(id)) no_ref.push_back(id);
  if (!no_pred.empty())
    fail_file(config.pred, fmt::format("no prediction for {} reference case(s): {}", no_pred.size(), list_some(no_pred)));
  if (!no_ref.empty())
    fail_file(config.ref, fmt::format("no reference for {} predicted case(s): {}", no_ref.size(), list_some(no_ref)));

  // Class names: from a dataset.json, or label values 0..max over the references.
  std::vector<std::string> classes;
  std::string names_from;
  std::string dataset_name = folder_path(config.ref).filename().string();
  if (const auto labels_json = find_labels_json(config)) {
    const DatasetInfo info = read_nnunet_dataset_json(*labels_json, nullptr);
    classes = info.class_names;
    names_from = "labels of " + labels_json->string();
    if (!info.name.empty()) dataset_name = info.name;
  } else {
    int64_t max_label = 0;
    Progress scan("score: reading reference labels", static_cast<int64_t>(refs.size()));
    int64_t done = 0;
    for (const auto& [id, path] : refs) {
      const auto ref = read_labels(path, nullptr);
      if (ref.min().item<int64_t>() < 0) fail_file(path, "negative label values");
      max_label = std::max(max_label, ref.max().item<int64_t>());
      scan.update(++done);
    }
    scan.finish();
    if (max_label < 1)
      fail_file(config.ref, "the references contain only background (0); pass --labels dataset.json to name the classes");
    classes.push_back("background");
    for (int64_t k = 1; k <= max_label; ++k) classes.push_back(std::to_string(k));
    names_from = fmt::format("values 0..{} found in the references; pass --labels to name them", max_label);
  }

  std::optional<Hd95Request> request;
  json cases = json::array();
  int64_t missed = 0;
  std::vector<fs::path> files;
  Progress progress("score", static_cast<int64_t>(refs.size()));
  int64_t done = 0;
  for (const auto& [id, ref_path] : refs) {
    const fs::path& pred_path = preds.at(id);
    Geometry rg, pg;
    const auto ref = read_labels(ref_path, &rg);
    const auto pred = read_labels(pred_path, &pg);
    check_same_grid(pred_path, pred, pg, ref_path, ref, rg, config.check_geometry);
    check_label_range(ref_path, ref, classes, names_from);
    check_label_range(pred_path, pred, classes, names_from);
    if (with_hd95) request = Hd95Request{variant, rg.spacing};
    json scored = score_case(id, "", pred, ref, classes, convention, request ? &*request : nullptr);
    scored["prediction"] = pred_path.string();
    scored["reference"] = ref_path.string();
    for (const auto& [cls, m] : scored["metrics"].items()) missed += m["missed"].get<bool>() ? 1 : 0;
    cases.push_back(std::move(scored));
    files.push_back(ref_path);
    files.push_back(pred_path);
    progress.update(++done);
  }
  progress.finish();

  json summary = summarize_cases(cases, classes);
  summary["missed_structures"] = missed;
  json doc = result_header("score");
  doc["runtime"] = describe_runtime(torch::kCPU);
  doc["config"] = to_json(config);
  doc["classes"] = classes;
  doc["class_names_from"] = names_from;
  doc["convention"] = to_string(convention);
  doc["hd95"] = with_hd95 ? json{{"variant", to_string(variant)}, {"unit", hd95_unit(convention)}} : json(nullptr);
  doc["evaluations"] = json::array();
  doc["evaluations"].push_back(
      {{"role", "score"},
       {"dataset",
        {{"name", dataset_name},
         {"domain", ""},
         {"location", config.ref},
         {"predictions", config.pred},
         {"fingerprint", fingerprint_files(files)},
         {"cases", cases.size()}}},
       {"cases", cases},
       {"summary", summary},
       {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}});
  write_texts_atomic({{config.output, doc.dump(2) + "\n"}, {markdown_path_for(config.output), score_markdown(doc)}});
  return doc;
}

std::string score_markdown(const json& doc) {
  const auto& e = doc.at("evaluations").at(0);
  const auto& per_class = e["summary"]["per_class"];
  const bool hd = doc.contains("hd95") && !doc["hd95"].is_null();
  const std::string unit = hd ? doc["hd95"]["unit"].get<std::string>() : "";
  std::string md = fmt::format("## Scores: {} ({} cases)\n\n", e["dataset"]["name"].get<std::string>(),
                               e["dataset"]["cases"].get<int64_t>());
  md += fmt::format("Predictions `{}` against references `{}`; empty-mask convention `{}`{}. Mean ± std over cases "
                    "(n = cases where the metric is defined); DSC, IoU, sensitivity and precision in %.\n\n",
                    e["dataset"]["predictions"].get<std::string>(), e["dataset"]["location"].get<std::string>(),
                    doc["convention"].get<std::string>(),
                    hd ? fmt::format(", HD95 ({}) in {}", doc["hd95"]["variant"].get<std::string>(), unit) : "");
  md += std::string("| Class | DSC | IoU |") + (hd ? " HD95 |" : "") + " Sensitivity | Precision | Missed |\n";
  md += std::string("|---|---:|---:|") + (hd ? "---:|" : "") + "---:|---:|---:|\n";
  const auto missed_of = [&](const std::string& cls) {
    int64_t n = 0;
    for (const auto& c : e["cases"]) n += c["metrics"][cls].value("missed", false) ? 1 : 0;
    return n;
  };
  const json none = json::object();
  for (const auto& cls : doc["classes"].get<std::vector<std::string>>()) {
    if (!per_class.contains(cls)) continue;
    const auto& m = per_class[cls];
    const auto get = [&](const char* k) { return m.contains(k) ? m[k] : none; };
    md += fmt::format("| {} | {} | {} |{} {} | {} | {} |\n", cls, show_metric(get("dsc"), 100, ""),
                      show_metric(get("iou"), 100, ""), hd ? " " + show_metric(get("hd95"), 1, "") + " |" : "",
                      show_metric(get("sensitivity"), 100, ""), show_metric(get("precision"), 100, ""), missed_of(cls));
  }
  const auto& mean = e["summary"]["mean"];
  const auto mean_of = [&](const char* k, double scale) {
    return mean.contains(k) && !mean[k].is_null() ? fmt::format("{:.2f}", scale * mean[k].get<double>()) : "–";
  };
  md += fmt::format("| **mean** | {} | {} |{} {} | {} | {} |\n", mean_of("dsc", 100), mean_of("iou", 100),
                    hd ? " " + mean_of("hd95", 1) + " |" : "", mean_of("sensitivity", 100), mean_of("precision", 100),
                    e["summary"].value("missed_structures", int64_t{0}));
  return md;
}

}  // namespace mis

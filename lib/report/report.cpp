#include "report/report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <tuple>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "eval/result_schema.h"

namespace mis {

namespace fs = std::filesystem;

std::vector<json> load_results(const std::vector<fs::path>& paths) {
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    if (!fs::exists(p)) throw UserError(p.string() + ": does not exist (expected a result JSON or a folder of them)");
    if (fs::is_directory(p)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() == ".json") found.push_back(e.path());
      std::sort(found.begin(), found.end());
      for (const auto& f : found) {
        // Inside folders, other JSON files (configs, summaries) are skipped, not errors.
        const json doc = read_json_file(f);
        if (doc.is_object() && doc.value("schema", "") == kResultSchema) files.push_back(f);
      }
    } else {
      files.push_back(p);
    }
  }
  std::vector<json> out;
  for (const auto& f : files) {
    json doc = read_json_file(f);
    validate_result(doc, f.string());
    doc["_source"] = f.string();
    out.push_back(std::move(doc));
  }
  return out;
}

namespace {

enum Variant { kSpatial = 0, kSpectral = 1 };

struct Cell {
  std::vector<double> per_seed;  // one value per result file (i.e. per seed)
};

// key: (train dataset, model, role, eval dataset, metric) -> variant -> values
using Table = std::map<std::tuple<std::string, std::string, std::string, std::string, std::string>,
                       std::array<Cell, 2>>;

std::string train_dataset_name(const json& doc) {
  for (const auto& e : doc["evaluations"])
    if (e["role"] == "iid") return e["dataset"]["name"].get<std::string>();
  const std::string data = doc["train_config"].value("data", "?");
  return fs::path(data).filename().string();
}

Table collect(const std::vector<json>& results) {
  Table t;
  for (const auto& doc : results) {
    if (doc.value("kind", "") != "eval") continue;
    const double lambda = doc["train_config"]["loss"].value("lambda", 0.0);
    const Variant v = lambda > 0 ? kSpectral : kSpatial;
    const std::string model = doc["model"].value("name", "?");
    const std::string train_set = train_dataset_name(doc);
    // OOD is also pooled over all OOD datasets of the file, as the headline's "OOD" column.
    std::map<std::string, std::vector<double>> pooled_ood;
    for (const auto& e : doc["evaluations"]) {
      const std::string role = e["role"];
      for (const char* metric : {"dsc", "iou"}) {
        const auto& m = e["summary"]["mean"];
        if (!m.contains(metric) || m[metric].is_null()) continue;
        const double value = m[metric].get<double>();
        t[{train_set, model, role, e["dataset"]["name"].get<std::string>(), metric}][v].per_seed.push_back(value);
        if (role == "ood") pooled_ood[metric].push_back(value);
      }
    }
    for (const auto& [metric, values] : pooled_ood) {
      double mean = 0;
      for (double x : values) mean += x;
      t[{train_set, model, "ood", "*", metric}][v].per_seed.push_back(mean / static_cast<double>(values.size()));
    }
  }
  return t;
}

struct Stat {
  double mean, sd;
  std::size_t n;
};

std::optional<Stat> stat(const Cell& c) {
  if (c.per_seed.empty()) return std::nullopt;
  double mean = 0;
  for (double x : c.per_seed) mean += x;
  mean /= static_cast<double>(c.per_seed.size());
  double var = 0;
  for (double x : c.per_seed) var += (x - mean) * (x - mean);
  const double sd = c.per_seed.size() > 1 ? std::sqrt(var / static_cast<double>(c.per_seed.size() - 1)) : 0.0;
  return Stat{mean, sd, c.per_seed.size()};
}

// Percentages; "missing" rather than a number when there is no run.
std::string show(const std::optional<Stat>& s) {
  if (!s) return "missing";
  if (s->n > 1) return fmt::format("{:.2f} ± {:.2f}", 100 * s->mean, 100 * s->sd);
  return fmt::format("{:.2f}", 100 * s->mean);
}

std::string show_delta(const std::optional<Stat>& spatial, const std::optional<Stat>& spectral) {
  if (!spatial || !spectral) return "missing";
  return fmt::format("{:+.2f}", 100 * (spectral->mean - spatial->mean));
}

const std::array<Cell, 2>* find(const Table& t, const std::string& ds, const std::string& model, const std::string& role,
                                const std::string& eval_set, const std::string& metric) {
  const auto it = t.find({ds, model, role, eval_set, metric});
  return it == t.end() ? nullptr : &it->second;
}

std::string three_cells(const std::array<Cell, 2>* cells) {
  if (!cells) return "missing | missing | missing";
  const auto a = stat((*cells)[kSpatial]), b = stat((*cells)[kSpectral]);
  return show(a) + " | " + show(b) + " | " + show_delta(a, b);
}

}  // namespace

std::string markdown_report(const std::vector<json>& results) {
  const Table t = collect(results);
  std::set<std::pair<std::string, std::string>> rows;  // (train dataset, model)
  std::set<std::tuple<std::string, std::string, std::string>> ood_rows;
  std::size_t seeds = 0;
  for (const auto& [key, cells] : t) {
    const auto& [ds, model, role, eval_set, metric] = key;
    rows.insert({ds, model});
    if (role == "ood" && eval_set != "*") ood_rows.insert({ds, model, eval_set});
    seeds = std::max({seeds, cells[0].per_seed.size(), cells[1].per_seed.size()});
  }
  std::string md;
  md += "## Spatial vs spatial+spectral\n\n";
  md += fmt::format("DSC and IoU in %, mean over foreground classes and cases{}; Δ = spectral − spatial in "
                    "percentage points. OOD = mean over the out-of-distribution datasets.\n\n",
                    seeds > 1 ? fmt::format(", mean ± std over {} seeds", seeds) : "");
  md += "| Dataset | Model | IID DSC spatial | IID DSC +spectral | Δ pp | IID IoU spatial | IID IoU +spectral | Δ pp "
        "| OOD DSC spatial | OOD DSC +spectral | Δ pp | OOD IoU spatial | OOD IoU +spectral | Δ pp |\n";
  md += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& [ds, model] : rows) {
    md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", ds, model,
                      three_cells(find(t, ds, model, "iid", ds, "dsc")), three_cells(find(t, ds, model, "iid", ds, "iou")),
                      three_cells(find(t, ds, model, "ood", "*", "dsc")),
                      three_cells(find(t, ds, model, "ood", "*", "iou")));
  }
  if (!ood_rows.empty()) {
    md += "\n## Out-of-distribution, per dataset\n\n";
    md += "| Trained on | Model | Tested on | DSC spatial | DSC +spectral | Δ pp | IoU spatial | IoU +spectral | Δ pp |\n";
    md += "|---|---|---|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& [ds, model, eval_set] : ood_rows)
      md += fmt::format("| {} | {} | {} | {} | {} |\n", ds, model, eval_set,
                        three_cells(find(t, ds, model, "ood", eval_set, "dsc")),
                        three_cells(find(t, ds, model, "ood", eval_set, "iou")));
  }
  return md;
}

}  // namespace mis

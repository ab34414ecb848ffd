// Report tables recomputed by hand from hand-made result files in the runs/<id>/ layout: means
// and sample stds over two seeds, the difference in pp, the paired p over cases, "missing" and
// "failed" cells for runs without results, CSV and report.json read back, polylines of the SVG
// line plot mapping levels and DSCs linearly, and index.html linking only files that exist.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <tuple>

#include <unistd.h>

#include "core/error.h"
#include "core/files.h"
#include "eval/result_schema.h"
#include "report/report.h"
#include "report/runs.h"
#include "report/svg.h"
#include "report/table_writers.h"
#include "support.h"

using namespace mis;
namespace fs = std::filesystem;

namespace {

// One evaluation with a single foreground class "LV"; summary.mean = the mean over cases.
json evaluation(const std::string& role, const std::string& name, const std::vector<double>& dsc) {
  json cases = json::array();
  double sum = 0;
  for (std::size_t i = 0; i < dsc.size(); ++i) {
    cases.push_back({{"id", "case" + std::to_string(i)},
                     {"domain", name},
                     {"metrics", {{"LV", {{"dsc", dsc[i]}, {"iou", dsc[i] / (2 - dsc[i])}, {"missed", false}}}}}});
    sum += dsc[i];
  }
  return {{"role", role},
          {"dataset", {{"name", name}, {"domain", name}}},
          {"cases", cases},
          {"summary", {{"mean", {{"dsc", sum / static_cast<double>(dsc.size())}}}}}};
}

json train_config(double lambda, int seed, const std::string& out) {
  return {{"data", "/data/acdc"}, {"output", out}, {"model", {{"name", "unet"}}},
          {"loss", {{"lambda", lambda}}}, {"seed", seed}};
}

json eval_doc(double lambda, int seed, const std::vector<double>& iid, double ood_b, double ood_c) {
  json doc = result_header("eval");
  doc["train_config"] = train_config(lambda, seed, "run" + std::to_string(seed));
  doc["evaluations"] = {evaluation("iid", "ACDC", iid), evaluation("ood", "B", {ood_b}), evaluation("ood", "C", {ood_c})};
  return doc;
}

json noise_doc(double lambda, int seed, const std::vector<std::pair<double, double>>& level_dsc) {
  json doc = result_header("noise-sweep");
  doc["train_config"] = train_config(lambda, seed, "run" + std::to_string(seed));
  doc["evaluations"] = json::array();
  for (const auto& [level, dsc] : level_dsc) {
    json e = evaluation("noise", "ACDC", {dsc});
    e["noise"] = {{"type", "gaussian"}, {"level", level}};
    doc["evaluations"].push_back(e);
  }
  return doc;
}

void write_run(const fs::path& root, const std::string& id, const std::string& dataset, const std::string& variant,
               int seed, const std::string& status, const std::vector<std::pair<std::string, json>>& files) {
  const fs::path dir = root / "runs" / id;
  fs::create_directories(dir);
  json run = {{"schema", kRunRecordSchema}, {"schema_version", 1}, {"experiment", "test"}, {"id", id}, {"status", status},
              {"labels", {{"dataset", dataset}, {"model", "unet"}, {"variant", variant}, {"group", "main"},
                          {"setting", ""}, {"seed", seed}}},
              {"train_config", train_config(variant == "spatial" ? 0.0 : 0.5, seed, id)}};
  if (status == "failed") run["error"] = "out of memory";
  write_json_atomic(dir / "run.json", run);
  for (const auto& [name, doc] : files) write_json_atomic(dir / name, doc);
}

// The study: ACDC x unet, two seeds x two variants; Synapse x unet with the spectral run
// pending and a failed spatial seed.
fs::path make_study(const fs::path& root) {
  write_run(root, "acdc-spatial-s0", "ACDC", "spatial", 0, "complete",
            {{"eval.json", eval_doc(0, 0, {0.7, 0.8, 0.9}, 0.5, 0.7)},
             {"noise.json", noise_doc(0, 0, {{0, 0.8}, {0.1, 0.6}, {0.3, 0.2}})}});
  write_run(root, "acdc-spatial-s1", "ACDC", "spatial", 1, "complete",
            {{"eval.json", eval_doc(0, 1, {0.74, 0.84, 0.94}, 0.6, 0.8)},
             {"noise.json", noise_doc(0, 1, {{0, 0.84}, {0.1, 0.64}, {0.3, 0.3}})}});
  write_run(root, "acdc-spectral-s0", "ACDC", "spectral", 0, "complete",
            {{"eval.json", eval_doc(0.5, 0, {0.73, 0.83, 0.93}, 0.6, 0.8)},
             {"noise.json", noise_doc(0.5, 0, {{0, 0.83}, {0.1, 0.7}, {0.3, 0.4}})}});
  write_run(root, "acdc-spectral-s1", "ACDC", "spectral", 1, "complete",
            {{"eval.json", eval_doc(0.5, 1, {0.77, 0.85, 0.96}, 0.7, 0.9)},
             {"noise.json", noise_doc(0.5, 1, {{0, 0.86}, {0.1, 0.72}, {0.3, 0.5}})}});
  write_run(root, "synapse-spatial-s0", "Synapse", "spatial", 0, "complete",
            {{"eval.json", eval_doc(0, 0, {0.6, 0.7}, 0.5, 0.5)}});
  write_run(root, "synapse-spatial-s1", "Synapse", "spatial", 1, "failed", {});
  write_run(root, "synapse-spectral-s0", "Synapse", "spectral", 0, "pending", {});
  return root;
}

const Table& table(const ReportContent& r, const std::string& id) {
  for (const auto& t : r.tables)
    if (t.id == id) return t;
  FAIL("no table " << id);
  throw;
}

std::size_t column(const Table& t, const std::string& name, std::size_t nth = 0) {
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i] == name && nth-- == 0) return i;
  FAIL("no column " << name);
  return 0;
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char ch = line[i];
      if (quoted) {
        if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') cell += '"', ++i;
        else if (ch == '"') quoted = false;
        else cell += ch;
      } else if (ch == '"') quoted = true;
      else if (ch == ',') cells.push_back(cell), cell.clear();
      else cell += ch;
    }
    cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace

TEST_CASE("report Δ with classes that come and go between cases: the mean paired difference its interval is about") {
  // summary.mean weights each class equally (eval's mean over classes of per-class means); when a
  // class is absent from some cases it differs from the mean over cases. Here the summaries say
  // 60 and 80 (columns), the cases (50, 90) and (60, 90): d = (10, 0) pp, mean 5. Resampling two
  // values gives means 0, 5, 10 with probabilities 1/4, 1/2, 1/4, so the interval is [0, 10].
  TempDir tmp;
  auto doc = [](double lambda, const std::vector<double>& cases, double class_mean) {
    json d = eval_doc(lambda, 0, cases, 0.5, 0.5);
    d["evaluations"][0]["summary"]["mean"]["dsc"] = class_mean;
    return d;
  };
  write_run(tmp.path, "brain-spatial-s0", "Brain", "spatial", 0, "complete", {{"eval.json", doc(0, {0.5, 0.9}, 0.6)}});
  write_run(tmp.path, "brain-spectral-s0", "Brain", "spectral", 0, "complete", {{"eval.json", doc(0.5, {0.6, 0.9}, 0.8)}});
  const ReportContent r = build_report(load_runs({tmp.path}), "test");
  const Table& h = table(r, "headline");
  REQUIRE(h.rows.size() == 1);
  CHECK(h.rows[0][column(h, "IID DSC spatial")].value == doctest::Approx(60.0));
  CHECK(h.rows[0][column(h, "IID DSC +spectral")].value == doctest::Approx(80.0));
  CHECK(display(h.rows[0][column(h, "IID DSC Δ pp")]) == "+5.00 [+0.00, +10.00]");
}

TEST_CASE("report ablation row: the setting against the main spatial runs, paired over cases, by hand") {
  // Main ACDC spatial (make_study), each case averaged over seeds: IID (72, 82, 92), OOD B 55, C 75.
  // The ablation run: IID (75, 80, 98) -> d = (+3, -2, +6), mean 7/3; OOD B 45, C 84 -> d = (-10, +9).
  // Bootstrap: each extreme mean (all three -2, or all +6) has probability 1/27 > 2.5%, so the IID
  // interval is [-2, +6]; two OOD values give means -10, -0.5, +9 with 1/4, 1/2, 1/4, so [-10, +9].
  // Wilcoxon over (+3, -2, +6): ranks 2, 1, 3, W+ = 5; of the 8 sign patterns 2 have W+ >= 5, p = 0.5.
  TempDir tmp;
  make_study(tmp.path);
  // Strongest noise: make_study's gaussian sweep tops out at 0.3, where the main spatial seeds score
  // 0.2 and 0.3 (case mean 25); the ablation run scores 35 there (and 99 at 0.1, which must not count).
  write_run(tmp.path, "acdc-lambda-1-s0", "ACDC", "spectral", 0, "complete",
            {{"eval.json", eval_doc(1.0, 0, {0.75, 0.80, 0.98}, 0.45, 0.84)},
             {"noise.json", noise_doc(1.0, 0, {{0, 0.8}, {0.1, 0.99}, {0.3, 0.35}})}});
  json run = read_json_file(tmp.path / "runs" / "acdc-lambda-1-s0" / "run.json");
  run["labels"]["group"] = "ablation-lambda";
  run["labels"]["setting"] = "lambda-1";
  write_json_atomic(tmp.path / "runs" / "acdc-lambda-1-s0" / "run.json", run);
  const ReportContent r = build_report(load_runs({tmp.path}), "test");
  const Table& t = table(r, "ablations");
  REQUIRE(t.rows.size() == 3);  // main ACDC, main Synapse (its spectral run pending), the ablation
  // First the main experiment's own spectral arm: seed means per case (75, 84, 94.5), d = (+3, +2, +2.5).
  CHECK(display(t.rows[0][column(t, "Ablation")]) == "main");
  CHECK(display(t.rows[0][column(t, "IID Δ vs main spatial")]) == "+2.50 [+2.00, +3.00]");
  CHECK(display(t.rows[1][column(t, "IID DSC")]) == "missing");
  const auto& row = t.rows[2];
  CHECK(display(row[column(t, "Setting")]) == "lambda-1");
  CHECK(row[column(t, "IID DSC")].value == doctest::Approx(100 * (0.75 + 0.80 + 0.98) / 3));
  CHECK(display(row[column(t, "IID Δ vs main spatial")]) == "+2.33 [-2.00, +6.00]");
  CHECK(row[column(t, "IID p")].value == doctest::Approx(0.5));
  CHECK(display(row[column(t, "OOD Δ vs main spatial")]) == "-0.50 [-10.00, +9.00]");
  // Holm over the column's two p-values: main's W+ = 6 of 6 gives 2/8 = 0.25; min(1, 2 x 0.25) = 0.5,
  // then max(0.5, 1 x 0.5) = 0.5 for this row.
  CHECK(row[column(t, "IID p Holm")].value == doctest::Approx(0.5));
  CHECK(row[column(t, "Strongest noise DSC")].value == doctest::Approx(35.0));
  CHECK(display(row[column(t, "Strongest noise Δ vs main spatial")]) == "+10.00 [+10.00, +10.00]");
}

TEST_CASE("report noise error table: sensitivity, precision and volume ratio per variant, by hand") {
  // Gaussian 0.2; spatial seeds: sensitivity 0.5 and 0.7 (60 ± 14.14), predicted/reference voxels
  // 50/100 and 30/100 (volume ratios 0.5 and 0.3: 0.40 ± 0.14), 0 and 2 missed structures; +spectral: sensitivity 0.2,
  // precision 0.4, 300/100 voxels (ratio 3: spurious foreground).
  TempDir tmp;
  auto doc = [](double lambda, int seed, double sensitivity, double precision, double predicted) {
    json d = noise_doc(lambda, seed, {{0.2, 0.5}});
    json& mean = d["evaluations"][0]["summary"]["mean"];
    mean["sensitivity"] = sensitivity;
    mean["precision"] = precision;
    mean["predicted_voxels"] = predicted;
    mean["reference_voxels"] = 100.0;
    d["evaluations"][0]["summary"]["missed_structures"] = predicted < 40 ? 2 : 0;
    return d;
  };
  write_run(tmp.path, "a-spatial-s0", "A", "spatial", 0, "complete", {{"noise.json", doc(0, 0, 0.5, 0.9, 50)}});
  write_run(tmp.path, "a-spatial-s1", "A", "spatial", 1, "complete", {{"noise.json", doc(0, 1, 0.7, 0.8, 30)}});
  write_run(tmp.path, "a-spectral-s0", "A", "spectral", 0, "complete", {{"noise.json", doc(0.5, 0, 0.2, 0.4, 300)}});
  const ReportContent r = build_report(load_runs({tmp.path}), "test");
  const Table& t = table(r, "noise_errors");
  REQUIRE(t.rows.size() == 1);
  const auto& row = t.rows[0];
  CHECK(display(row[column(t, "Noise")]) == "gaussian");
  CHECK(display(row[column(t, "Sensitivity spatial")]) == "60.00 ± 14.14");
  CHECK(display(row[column(t, "Precision +spectral")]) == "40.00");
  CHECK(display(row[column(t, "Volume ratio spatial")]) == "0.40 ± 0.14");
  CHECK(display(row[column(t, "Missed spatial")]) == "1.0 ± 1.4");  // 0 and 2
  CHECK(display(row[column(t, "Missed +spectral")]) == "0.0");
  CHECK(display(row[column(t, "Volume ratio +spectral")]) == "3.00");
}

TEST_CASE("report headline recomputed by hand: two seeds x two variants, missing and failed runs") {
  TempDir tmp;
  const auto runs = load_runs({make_study(tmp.path)});
  REQUIRE(runs.size() == 7);
  const ReportContent r = build_report(runs, "test");
  const Table& h = table(r, "headline");
  REQUIRE(h.rows.size() == 2);  // ACDC, Synapse (sorted)
  const auto& acdc = h.rows[0];
  CHECK(acdc[0].text == "ACDC");
  // IID DSC: spatial seeds 0.80, 0.84 -> 82.00 ± sqrt(2^2 + 2^2) = 2.828; spectral 0.83, 0.86 -> 84.50 ± 2.121.
  const auto& a = acdc[column(h, "IID DSC spatial")];
  const auto& b = acdc[column(h, "IID DSC +spectral")];
  CHECK(a.value == doctest::Approx(82.0));
  CHECK(*a.sd == doctest::Approx(std::sqrt(8.0)));
  CHECK(a.n == 2);
  CHECK(b.value == doctest::Approx(84.5));
  CHECK(*b.sd == doctest::Approx(std::sqrt(4.5)));
  CHECK(acdc[column(h, "IID DSC Δ pp")].value == doctest::Approx(2.5));
  // The bootstrap interval of the mean paired difference over the cases d = (3, 2, 2.5) pp: the
  // resampled mean is 2 (all three draws the 2) with probability 1/27 > 2.5%, 3 likewise, so the
  // 2.5% and 97.5% quantiles of 10000 resamples are 2 and 3 (370 +- 19 of each expected).
  CHECK(display(acdc[column(h, "IID DSC Δ pp")]) == "+2.50 [+2.00, +3.00]");
  // Cases averaged over seeds: spatial (0.72, 0.82, 0.92), spectral (0.75, 0.84, 0.945):
  // d = (0.03, 0.02, 0.025), all positive and untied: exact p = 2/8.
  CHECK(acdc[column(h, "IID DSC p")].value == doctest::Approx(0.25));
  // OOD = mean over B and C: spatial 0.6, 0.7 -> 65 ± 7.071; spectral 0.7, 0.8 -> 75 ± 7.071.
  CHECK(acdc[column(h, "OOD DSC spatial")].value == doctest::Approx(65.0));
  CHECK(*acdc[column(h, "OOD DSC spatial")].sd == doctest::Approx(std::sqrt(50.0)));
  CHECK(acdc[column(h, "OOD DSC Δ pp")].value == doctest::Approx(10.0));
  CHECK(acdc[column(h, "Paper Δ pp")].value == doctest::Approx(0.81));  // cardiac UNet

  // Synapse: one complete spatial seed of two (the other failed), the spectral run pending.
  const auto& syn = h.rows[1];
  const auto& s = syn[column(h, "IID DSC spatial")];
  CHECK(s.value == doctest::Approx(65.0));
  CHECK(!s.sd.has_value());
  CHECK(display(s) == "65.00 (1/2 seeds)");
  CHECK(display(syn[column(h, "IID DSC +spectral")]) == "missing");
  CHECK(display(syn[column(h, "IID DSC Δ pp")]) == "missing");
  CHECK(display(syn[column(h, "IID DSC p")]) == "missing");
  CHECK(display(syn[column(h, "Paper Δ pp")]) == "—");
  const std::string md = to_markdown(h);
  CHECK(md.find("| Synapse | unet | 65.00 (1/2 seeds) | missing | missing | missing |") != std::string::npos);

  // Noise: gaussian 0.3: spatial 0.2, 0.3 -> 25; spectral 0.4, 0.5 -> 45.
  const Table& n = table(r, "noise");
  bool found = false;
  for (const auto& row : n.rows)
    if (row[0].text == "ACDC" && row[3].text == "0.3") {
      found = true;
      CHECK(row[4].value == doctest::Approx(25.0));
      CHECK(row[5].value == doctest::Approx(45.0));
      CHECK(row[6].value == doctest::Approx(20.0));
    }
  CHECK(found);
  // The failed run shows as failed in the run list, the pending one as pending.
  const Table& list = table(r, "runs");
  int failed = 0, pending = 0;
  for (const auto& row : list.rows) {
    failed += row[7].text.rfind("failed", 0) == 0;
    pending += row[7].text == "pending";
  }
  CHECK(failed == 1);
  CHECK(pending == 1);
}

TEST_CASE("report runs of a group that all failed show failed, not a number") {
  TempDir tmp;
  write_run(tmp.path, "a", "X", "spatial", 0, "failed", {});
  write_run(tmp.path, "b", "X", "spectral", 0, "complete", {{"eval.json", eval_doc(0.5, 0, {0.5}, 0.4, 0.4)}});
  const ReportContent r = build_report(load_runs({tmp.path}), "t");
  const auto& row = r.tables.front().rows.at(0);
  CHECK(row[2].kind == Cell::Kind::failed);
  CHECK(display(row[2]) == "failed");
  CHECK(row[3].value == doctest::Approx(50.0));
  CHECK(display(row[4]) == "missing");
}

TEST_CASE("report labels of result files without run.json are inferred") {
  TempDir tmp;
  write_json_atomic(tmp.path / "a" / "eval.json", eval_doc(0, 3, {0.5, 0.6}, 0.4, 0.4));
  write_json_atomic(tmp.path / "b" / "eval.json", eval_doc(0.25, 3, {0.7, 0.6}, 0.4, 0.4));
  // A second result of run b's training (same train_config) joins the same run.
  write_json_atomic(tmp.path / "b" / "noise.json", noise_doc(0.25, 3, {{0, 0.6}}));
  const auto runs = load_runs({tmp.path});
  REQUIRE(runs.size() == 2);
  for (const auto& run : runs) {
    CHECK(run.labels.dataset == "ACDC");  // the IID evaluation's dataset
    CHECK(run.labels.model == "unet");
    CHECK(run.labels.group == "main");
    CHECK(run.labels.seed == 3);
  }
  CHECK(runs[0].labels.variant == "spatial");
  CHECK(runs[1].labels.variant == "spectral");
  CHECK(runs[1].noise.has_value());
}

TEST_CASE("report folder: CSV and report.json read back equal the table numbers") {
  TempDir tmp;
  const ReportContent r = build_report(load_runs({make_study(tmp.path / "results")}), "test");
  const fs::path out = tmp.path / "report";
  write_report(r, out, {tmp.path / "results"});
  for (const char* f : {"report.md", "report.tex", "report.json", "index.html", "tables/headline.csv"})
    CHECK(fs::is_regular_file(out / f));
  CHECK(read_text_file(out / "report.md").rfind("# test\n\n### Headline", 0) == 0);
  const auto csv = parse_csv(read_text_file(out / "tables" / "headline.csv"));
  REQUIRE(csv.size() == 3);
  const auto col = [&](const std::string& name) {
    for (std::size_t i = 0; i < csv[0].size(); ++i)
      if (csv[0][i] == name) return i;
    FAIL("no CSV column " << name);
    return std::size_t{0};
  };
  CHECK(std::stod(csv[1][col("IID DSC spatial")]) == doctest::Approx(82.0).epsilon(1e-12));
  CHECK(std::stod(csv[1][col("IID DSC spatial sd")]) == doctest::Approx(std::sqrt(8.0)).epsilon(1e-12));
  CHECK(std::stod(csv[1][col("IID DSC +spectral")]) == doctest::Approx(84.5).epsilon(1e-12));
  CHECK(std::stod(csv[1][col("IID DSC p")]) == doctest::Approx(0.25));
  CHECK(std::stod(csv[1][col("IID DSC Δ pp CI low")]) == doctest::Approx(2.0));
  CHECK(std::stod(csv[1][col("IID DSC Δ pp CI high")]) == doctest::Approx(3.0));
  CHECK(csv[2][col("IID DSC Δ pp CI low")] == "missing");
  for (std::size_t i = 0; i < csv[0].size(); ++i)
    for (std::size_t j = 0; j < i; ++j) CHECK_MESSAGE(csv[0][i] != csv[0][j], csv[0][i]);
  CHECK(csv[2][col("IID DSC +spectral")] == "missing");
  CHECK(csv[2][col("IID DSC +spectral sd")] == "missing");
  CHECK(csv[2][col("IID DSC spatial sd")].empty());  // one seed: no std, and not 0
  const json j = read_json_file(out / "report.json");
  CHECK(j["schema"] == kReportSchema);
  const json& head = j["tables"][0];
  CHECK(head["id"] == "headline");
  CHECK(head["rows"][0][2]["value"].get<double>() == doctest::Approx(82.0));
  CHECK(head["rows"][0][2]["n"] == 2);
  CHECK(head["rows"][1][3] == json({{"status", "missing"}}));
  // Writing again replaces the folder whole.
  write_report(r, out, {tmp.path / "results"});
  CHECK(fs::is_regular_file(out / "index.html"));
}

TEST_CASE("report SVG line plot maps levels and DSCs linearly, a missing value breaks the line") {
  LinePlot p;
  p.title = "t";
  p.series = {{"a", "#000", {0, 0.1, 0.3}, {80.0, 70.0, 40.0}, {}},
              {"b", "#f00", {0, 0.1, 0.3}, {85.0, std::nullopt, 50.0}, {}}};
  const std::string svg = line_plot_svg(p);
  const std::regex poly("<polyline class=\"series\" data-series=\"([^\"]+)\"[^>]*points=\"([^\"]+)\"");
  std::vector<std::pair<std::string, std::vector<std::pair<double, double>>>> lines;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), poly); it != std::sregex_iterator(); ++it) {
    std::vector<std::pair<double, double>> pts;
    std::istringstream in((*it)[2].str());
    std::string pt;
    while (in >> pt) {
      const auto comma = pt.find(',');
      pts.emplace_back(std::stod(pt.substr(0, comma)), std::stod(pt.substr(comma + 1)));
    }
    lines.emplace_back((*it)[1].str(), pts);
  }
  REQUIRE(lines.size() == 3);  // a; b before and after its gap
  CHECK(lines[0].first == "a");
  const auto& a = lines[0].second;
  REQUIRE(a.size() == 3);
  // x spans the plot exactly from level 0 to 0.3; px per level is constant.
  CHECK(a[0].first == doctest::Approx(kPlotLeft));
  CHECK(a[2].first == doctest::Approx(kPlotRight));
  CHECK((a[1].first - a[0].first) / 0.1 == doctest::Approx((a[2].first - a[0].first) / 0.3).epsilon(1e-4));
  // y: px per DSC point constant (and negative: up is better), matching the axis map.
  const double slope = (a[1].second - a[0].second) / (70.0 - 80.0);
  CHECK(slope < 0);
  CHECK((a[2].second - a[0].second) / (40.0 - 80.0) == doctest::Approx(slope).epsilon(1e-4));
  const AxisMap y = line_plot_y(p);
  CHECK(y.lo <= 40.0);
  CHECK(y.hi >= 85.0);
  CHECK(a[0].second == doctest::Approx(y(80.0)).epsilon(1e-4));
  CHECK(y(y.lo) == doctest::Approx(kPlotBottom));
  CHECK(y(y.hi) == doctest::Approx(kPlotTop));
  CHECK(lines[1].second.size() == 1);
  CHECK(lines[2].second.size() == 1);
  CHECK(lines[2].second[0].second == doctest::Approx(y(50.0)).epsilon(1e-4));
}

TEST_CASE("report index.html references only files that exist, Grad-CAM PNGs copied") {
  TempDir tmp;
  const fs::path results = make_study(tmp.path / "results");
  // An explain result in one run folder, with its PNGs beside it.
  const fs::path dir = results / "runs" / "acdc-spectral-s0";
  fs::create_directories(dir / "explain");
  for (const char* f : {"explain/c0_gradcam.png", "explain/c0_overlay.png"}) write_text_atomic(dir / f, "PNG");
  json ex = result_header("explain");
  ex["train_config"] = train_config(0.5, 0, "acdc-spectral-s0");
  ex["evaluations"] = {{{"role", "iid"},
                        {"cases",
                         {{{"id", "case0"}, {"domain", "A"}, {"slice", 1}, {"class", "LV"}, {"energy_in_mask", 0.6},
                           {"images", {{"gradcam", "explain/c0_gradcam.png"}, {"overlay", "explain/c0_overlay.png"}}}}}},
                        {"summary", {{"mean", {{"energy_in_mask", 0.6}}}}}}};
  write_json_atomic(dir / "explain.json", ex);
  const fs::path out = tmp.path / "out";
  write_report(build_report(load_runs({results}), "t"), out, {results});
  const std::string html = read_text_file(out / "index.html");
  const std::regex ref("(src|href)=\"([^\"#][^\"]*)\"");
  int refs = 0, pngs = 0, svgs = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator(); ++it) {
    const std::string target = (*it)[2].str();
    CHECK_MESSAGE(fs::is_regular_file(out / target), target);
    CHECK(target.find("..") == std::string::npos);
    CHECK(fs::path(target).is_relative());
    ++refs;
    pngs += target.size() > 4 && target.substr(target.size() - 4) == ".png";
    svgs += target.size() > 4 && target.substr(target.size() - 4) == ".svg";
  }
  CHECK(refs > 10);
  CHECK(pngs == 4);  // two images, each as <a href> and <img src>
  CHECK(svgs >= 2);  // the noise plot (gaussian, ACDC and Synapse has none) as img and link
  CHECK(read_text_file(out / "images" / "acdc-spectral-s0" / "001_case0_LV_gradcam.png") == "PNG");
  // A missing PNG is an error naming it, and no report folder is written.
  fs::remove(dir / "explain" / "c0_overlay.png");
  CHECK_THROWS_WITH_AS(write_report(build_report(load_runs({results}), "t"), tmp.path / "out2", {results}),
                       doctest::Contains("c0_overlay.png"), UserError);
  CHECK(!fs::exists(tmp.path / "out2"));
}

TEST_CASE("report: the temperature-scaled calibration table, from calibrate's blocks, by hand") {
  TempDir tmp;
  // calibrate.json of one run: the IID set before and after scaling with temperature T.
  const auto calibrate_doc = [](double lambda, int seed, double t, double ece, double brier, double nll) {
    json doc = result_header("calibrate");
    doc["train_config"] = train_config(lambda, seed, "run" + std::to_string(seed));
    json e = evaluation("iid", "ACDC", {0.8});
    e["calibration"] = {{"ece", 2 * ece}, {"mce", 0.5}, {"brier", 2 * brier}, {"nll", 2 * nll}};
    e["calibration_temperature_scaled"] = {{"temperature", t}, {"ece", ece}, {"brier", brier}, {"nll", nll}};
    doc["evaluations"] = {e};
    return doc;
  };
  write_run(tmp.path, "sp0", "ACDC", "spatial", 0, "complete", {{"calibrate.json", calibrate_doc(0, 0, 1.2, 0.02, 0.1, 0.3)}});
  write_run(tmp.path, "sp1", "ACDC", "spatial", 1, "complete", {{"calibrate.json", calibrate_doc(0, 1, 1.4, 0.04, 0.2, 0.5)}});
  write_run(tmp.path, "sc0", "ACDC", "spectral", 0, "complete",
            {{"calibrate.json", calibrate_doc(0.5, 0, 1.1, 0.01, 0.1, 0.2)}});
  const ReportContent r = build_report(load_runs({tmp.path}), "t");
  const Table& t = table(r, "calibration_temperature");
  REQUIRE(t.rows.size() == 1);
  const auto& row = t.rows[0];
  CHECK(row[2].text == "ACDC (IID)");
  // T: spatial 1.2, 1.4 -> 1.3 ± 0.1414; spectral one seed 1.1; no Δ column for T.
  CHECK(row[column(t, "T spatial")].value == doctest::Approx(1.3));
  CHECK(*row[column(t, "T spatial")].sd == doctest::Approx(std::sqrt(0.02)));
  CHECK(row[column(t, "T +spectral")].value == doctest::Approx(1.1));
  CHECK(t.columns[column(t, "T +spectral") + 1] == "ECE spatial");
  // ECE after scaling: spatial 0.03, spectral 0.01 -> Δ -0.02 (an improvement); Brier and NLL alike.
  CHECK(row[column(t, "ECE spatial")].value == doctest::Approx(0.03));
  CHECK(row[column(t, "ECE Δ")].value == doctest::Approx(-0.02));
  CHECK(row[column(t, "ECE Δ")].lower_better);
  CHECK(row[column(t, "Brier +spectral")].value == doctest::Approx(0.1));
  CHECK(row[column(t, "NLL spatial")].value == doctest::Approx(0.4));
  CHECK(row[column(t, "NLL Δ")].value == doctest::Approx(-0.2));
  // The unscaled table still reads the "calibration" block (twice the scaled numbers here).
  CHECK(table(r, "calibration").rows.at(0)[column(table(r, "calibration"), "ECE spatial")].value ==
        doctest::Approx(0.06));

  // Without a fitted temperature there is no such table.
  TempDir plain;
  make_study(plain.path);
  const ReportContent without = build_report(load_runs({plain.path}), "t");
  for (const auto& table : without.tables) CHECK(table.id != "calibration_temperature");
}

namespace {

// An eval result whose cases have two classes A and B: metrics[case][class] = {dsc, sensitivity, missed}.
json two_class_eval(double lambda, const std::vector<std::array<std::optional<double>, 4>>& cases) {
  json doc = result_header("eval");
  doc["train_config"] = train_config(lambda, 0, "r");
  doc["classes"] = {"background", "A", "B"};
  json list = json::array();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& [a_dsc, a_sens, b_dsc, b_sens] = cases[i];
    const auto cls = [](std::optional<double> dsc, std::optional<double> sens) {
      return json{{"dsc", *dsc}, {"sensitivity", sens ? json(*sens) : json(nullptr)}, {"missed", sens && *sens == 0}};
    };
    list.push_back({{"id", "c" + std::to_string(i)}, {"metrics", {{"A", cls(a_dsc, a_sens)}, {"B", cls(b_dsc, b_sens)}}}});
  }
  doc["evaluations"] = {{{"role", "iid"}, {"dataset", {{"name", "ACDC"}}}, {"cases", list}, {"summary", {{"mean", {{"dsc", 0.5}}}}}}};
  return doc;
}

}  // namespace

TEST_CASE("report per-class table, missed structures and sensitivity by hand") {
  TempDir tmp;
  // Spatial: A misses case 2 entirely (sensitivity 0); B's case 2 has no B in the reference (null).
  write_run(tmp.path, "sp", "ACDC", "spatial", 0, "complete",
            {{"eval.json", two_class_eval(0, {{0.9, 0.95, 0.5, 0.55}, {0.8, 0.85, 0.6, 0.65}, {0.0, 0.0, 0.7, std::nullopt}})}});
  write_run(tmp.path, "sc", "ACDC", "spectral", 0, "complete",
            {{"eval.json", two_class_eval(0.5, {{0.92, 0.96, 0.5, 0.6}, {0.83, 0.9, 0.62, 0.7}, {0.4, 0.5, 0.75, std::nullopt}})}});
  const ReportContent r = build_report(load_runs({tmp.path}), "t");
  const Table& pc = table(r, "per_class");
  REQUIRE(pc.rows.size() == 2);
  CHECK(pc.rows[0][2].text == "A");
  CHECK(pc.rows[1][2].text == "B");
  // A: spatial (0.9 + 0.8 + 0) / 3, spectral (0.92 + 0.83 + 0.4) / 3, in %.
  CHECK(pc.rows[0][column(pc, "DSC spatial")].value == doctest::Approx(170.0 / 3));
  CHECK(pc.rows[0][column(pc, "DSC +spectral")].value == doctest::Approx(215.0 / 3));
  CHECK(pc.rows[0][column(pc, "DSC Δ pp")].value == doctest::Approx(15.0));
  // Differences (2, 3, 40) pp, all positive and untied: exact p = 2/8.
  CHECK(pc.rows[0][column(pc, "DSC p")].value == doctest::Approx(0.25));
  CHECK(pc.rows[1][column(pc, "DSC spatial")].value == doctest::Approx(60.0));
  const Table& m = table(r, "missed");
  REQUIRE(m.rows.size() == 2);  // one test set x two classes
  CHECK(m.rows[0][2].text == "ACDC (IID)");
  // A: spatial misses 1 of 3 cases with A in the reference, spectral none.
  CHECK(m.rows[0][column(m, "Missed spatial")].value == doctest::Approx(100.0 / 3));
  CHECK(m.rows[0][column(m, "Missed +spectral")].value == doctest::Approx(0.0));
  CHECK(m.rows[0][column(m, "Missed Δ pp")].value == doctest::Approx(-100.0 / 3));
  CHECK(m.rows[0][column(m, "Sensitivity spatial")].value == doctest::Approx(60.0));
  // B: case 2 has no B in the reference: 2 cases count, none missed; sensitivity over those 2.
  CHECK(m.rows[1][column(m, "Missed spatial")].value == doctest::Approx(0.0));
  CHECK(m.rows[1][column(m, "Sensitivity spatial")].value == doctest::Approx(60.0));
  CHECK(m.rows[1][column(m, "Sensitivity +spectral")].value == doctest::Approx(65.0));

  // The paired strip plot: one line per case from (left, spatial) to (right, spectral), mean over classes.
  const Figure* strip = nullptr;
  for (const auto& f : r.figures)
    if (f.file == "figures/cases_ACDC_unet.svg") strip = &f;
  REQUIRE(strip);
  const std::regex pair("<line class=\"pair\" data-case=\"([^\"]+)\" x1=\"([^\"]+)\" y1=\"([^\"]+)\" x2=\"([^\"]+)\" y2=\"([^\"]+)\"");
  std::vector<std::array<double, 4>> lines;
  for (auto it = std::sregex_iterator(strip->svg.begin(), strip->svg.end(), pair); it != std::sregex_iterator(); ++it)
    lines.push_back({std::stod((*it)[2]), std::stod((*it)[3]), std::stod((*it)[4]), std::stod((*it)[5])});
  REQUIRE(lines.size() == 3);
  // Case means in %: spatial (70, 70, 35), spectral (71, 72.5, 57.5); one linear map for all.
  const double a[] = {70, 70, 35}, b[] = {71, 72.5, 57.5};
  const double slope = (lines[2][1] - lines[0][1]) / (a[2] - a[0]);
  CHECK(slope < 0);
  for (int i = 0; i < 3; ++i) {
    CHECK(lines[i][0] == doctest::Approx(kStripLeftX));
    CHECK(lines[i][2] == doctest::Approx(kStripRightX));
    CHECK(lines[i][3] - lines[0][1] == doctest::Approx(slope * (b[i] - a[0])).epsilon(1e-3));
  }
}

TEST_CASE("report training curves and table from train_log.jsonl, a partial last line left out") {
  TempDir tmp;
  for (const auto& [id, variant, lambda] : {std::tuple{"sp", "spatial", 0.0}, {"sc", "spectral", 0.5}}) {
    write_run(tmp.path, id, "ACDC", variant, 0, "complete", {{"eval.json", eval_doc(lambda, 0, {0.5}, 0.4, 0.4)}});
    std::string log;
    for (int step = 10; step <= 30; step += 10)
      log += json{{"step", step}, {"loss", 1.0 / step}, {"spatial", 0.5 / step}, {"spectral", lambda / step}}.dump() + "\n";
    log += json{{"step", 20}, {"val_dsc", 0.7}}.dump() + "\n" + json{{"step", 30}, {"val_dsc", 0.6}}.dump() + "\n";
    write_text_atomic(tmp.path / "runs" / id / "train_log.jsonl", log + "{\"step\": 40, \"lo");
  }
  const ReportContent r = build_report(load_runs({tmp.path}), "t");
  const Table& t = table(r, "training");
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0][column(t, "Steps")].value == doctest::Approx(30));
  CHECK(t.rows[0][column(t, "Loss")].value == doctest::Approx(1.0 / 30));
  CHECK(t.rows[1][column(t, "Spectral term")].value == doctest::Approx(0.5 / 30));
  CHECK(t.rows[1][column(t, "Best val DSC")].value == doctest::Approx(70.0));  // the best, not the last
  CHECK(t.rows[1][column(t, "Best at step")].value == doctest::Approx(20));
  CHECK(display(t.rows[1][column(t, "Converged")]) == "missing");  // two validations: too few for the rule
  int curves = 0;
  for (const auto& f : r.figures)
    if (f.section == "training") {
      ++curves;
      CHECK(f.svg.find("stroke-dasharray=\"6,4\"") != std::string::npos);  // the spectral run, and its swatch
    }
  CHECK(curves == 3);  // loss, spectral term, validation DSC
}

TEST_CASE("report convergence rule: the mean of the last 3 validations within 0.5 pp of the best") {
  // Run a: 0.90, 0.95, 0.948, 0.946, 0.944 -> last three 0.946, best 0.95: 0.4 pp, converged.
  // Run b: 0.90, 0.95, 0.94, 0.945, 0.944 -> last three 0.943: 0.7 pp below the best, not converged.
  TempDir tmp;
  for (const auto& [id, variant, val] : {std::tuple{"a", "spatial", std::vector{0.90, 0.95, 0.948, 0.946, 0.944}},
                                        {"b", "spectral", std::vector{0.90, 0.95, 0.94, 0.945, 0.944}}}) {
    write_run(tmp.path, id, "ACDC", variant, 0, "complete", {{"eval.json", eval_doc(0, 0, {0.5}, 0.4, 0.4)}});
    std::string log;
    for (std::size_t i = 0; i < val.size(); ++i)
      log += json{{"step", 100 * (i + 1)}, {"loss", 0.1}, {"val_dsc", val[i]}}.dump() + "\n";
    write_text_atomic(tmp.path / "runs" / id / "train_log.jsonl", log);
  }
  // b is an ablation run: every run of a study is held to the rule, not only the main pair.
  json run = read_json_file(tmp.path / "runs" / "b" / "run.json");
  run["labels"]["group"] = "ablation-lambda";
  write_json_atomic(tmp.path / "runs" / "b" / "run.json", run);
  const ReportContent r = build_report(load_runs({tmp.path}), "t");
  const Table& t = table(r, "training");
  REQUIRE(t.rows.size() == 2);
  CHECK(display(t.rows[1][column(t, "Group")]) == "ablation-lambda");
  CHECK(t.rows[0][column(t, "Mean of last 3 val DSC")].value == doctest::Approx(94.6));
  CHECK(display(t.rows[0][column(t, "Converged")]) == "yes");
  CHECK(t.rows[1][column(t, "Mean of last 3 val DSC")].value == doctest::Approx(94.3));
  CHECK(display(t.rows[1][column(t, "Converged")]) == "no");
}

TEST_CASE("report noise panels of one model share the y axis, axes name their units") {
  TempDir tmp;
  make_study(tmp.path);
  // A second noise type (blur) on the same runs, with much lower DSCs.
  for (const auto& [id, lambda, seed] : {std::tuple{"acdc-spatial-s0", 0.0, 0}, {"acdc-spectral-s0", 0.5, 0}}) {
    json doc = read_json_file(tmp.path / "runs" / id / "noise.json");
    json e = evaluation("noise", "ACDC", {0.1});
    e["noise"] = {{"type", "blur"}, {"level", 2}};
    doc["evaluations"].push_back(e);
    write_json_atomic(tmp.path / "runs" / id / "noise.json", doc);
  }
  const ReportContent r = build_report(load_runs({tmp.path}), "t");
  std::vector<const Figure*> panels;
  for (const auto& f : r.figures)
    if (f.section == "noise" && f.file.find("ACDC") != std::string::npos) panels.push_back(&f);
  REQUIRE(panels.size() == 2);
  // The y tick labels of the two panels are the same: the axis reaches down to 10 (blur) in the
  // gaussian panel too, and up to 86 (gaussian) in the blur panel.
  CHECK(panels[0]->svg.find("Gaussian blur sigma (pixels)") != std::string::npos);
  CHECK(panels[1]->svg.find("Gaussian noise sd (fraction of the intensity range)") != std::string::npos);
  const std::regex ytick("text-anchor=\"end\" dominant-baseline=\"middle\">([0-9.]+)</text>");
  std::vector<std::string> y0, y1;
  for (auto it = std::sregex_iterator(panels[0]->svg.begin(), panels[0]->svg.end(), ytick); it != std::sregex_iterator(); ++it)
    y0.push_back((*it)[1]);
  for (auto it = std::sregex_iterator(panels[1]->svg.begin(), panels[1]->svg.end(), ytick); it != std::sregex_iterator(); ++it)
    y1.push_back((*it)[1]);
  CHECK(!y0.empty());
  CHECK(y0 == y1);
  CHECK(std::stod(y0.front()) <= 10.0);
  CHECK(std::stod(y0.back()) >= 86.0);
}

TEST_CASE("report reliability diagram shows each bin's pixel count as a histogram") {
  ReliabilitySeries s{"a", "#000", {0, 0.5, 1}, {0.3, 0.9}, {100, 400}};
  const std::string svg = reliability_svg("t", {s});
  const std::regex count("<rect class=\"count\" data-series=\"a\" data-count=\"(\\d+)\" x=\"[^\"]+\" y=\"[^\"]+\" width=\"[^\"]+\" height=\"([^\"]+)\"");
  std::vector<std::pair<int, double>> bars;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), count); it != std::sregex_iterator(); ++it)
    bars.emplace_back(std::stoi((*it)[1]), std::stod((*it)[2]));
  REQUIRE(bars.size() == 2);
  CHECK(bars[0].first == 100);
  CHECK(bars[1].second == doctest::Approx(kCountBand));  // the largest bin fills the band
  CHECK(bars[0].second == doctest::Approx(kCountBand / 4));  // heights proportional to counts
  // The dashed diagonal has a dashed legend swatch.
  CHECK(svg.find("class=\"swatch\"") != std::string::npos);
  CHECK(svg.find("<line class=\"swatch\" x1=\"74\" y1=\"84\" x2=\"96\" y2=\"84\" stroke=\"#555\" stroke-width=\"3\" "
                 "stroke-dasharray=\"6,4\"/>") != std::string::npos);
}

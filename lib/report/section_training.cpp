// Training curves (issue 16, part 2): the loss, each of its terms (losses/objective.h) and the
// validation DSC of every run over steps, from train_log.jsonl, seeds overlaid (one line per run: spatial-only
// solid blue, spatial+spectral dashed red), and a table of where each run ended.
#include "report/sections.h"

#include <cctype>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "core/strings.h"
#include "losses/objective.h"
#include "report/svg.h"

namespace mis {

namespace {

// One line per run of `key` over steps; the first run of each variant names it in the legend.
LinePlot curves(const Pair& p, const std::string& title, const std::string& y_label, const char* key, double scale) {
  LinePlot plot;
  plot.title = title;
  plot.x_label = "training step (iterations)";
  plot.y_label = y_label;
  for (const auto& [runs, name, color, dashed] :
       {std::tuple{&p.spatial, "spatial only", kSpatialColor, false},
        std::tuple{&p.spectral, "spatial + spectral", kSpectralColor, true}}) {
    bool named = false;
    for (const Run* r : *runs) {
      LineSeries s;
      s.color = color;
      s.dashed = dashed;
      s.markers = false;
      for (const json& line : r->train_log)
        if (line.contains(key) && line[key].is_number()) {
          s.x.push_back(line["step"].get<double>());
          s.y.push_back(scale * line[key].get<double>());
        }
      if (s.x.empty()) continue;
      s.name = named ? "" : fmt::format("{} ({} seed(s))", name, runs->size());
      named = true;
      plot.series.push_back(std::move(s));
    }
  }
  return plot;
}

std::optional<double> last_of(const Run& r, const char* key) {
  for (auto it = r.train_log.rbegin(); it != r.train_log.rend(); ++it)
    if (it->contains(key) && (*it)[key].is_number()) return (*it)[key].get<double>();
  return std::nullopt;
}

Cell number_or_missing(std::optional<double> v, int decimals) { return v ? Cell::num(*v, decimals) : Cell::missing(); }

// The convergence rule fixed before the studies ran (docs/spectral-hypotheses.md): the mean of the
// last kConvergenceWindow validation DSCs within kConvergenceTolerance (in DSC, 0.5 pp) of the best.
constexpr std::size_t kConvergenceWindow = 3;
constexpr double kConvergenceTolerance = 0.005;

// The validation DSCs of a run in step order, with the best and its step.
struct Validation {
  std::vector<double> dsc;
  std::optional<double> best, best_step;
};

Validation validation_of(const Run& r) {
  Validation v;
  for (const json& line : r.train_log)
    if (line.contains("val_dsc") && line["val_dsc"].is_number()) {
      const double d = line["val_dsc"].get<double>();
      v.dsc.push_back(d);
      if (!v.best || d > *v.best) {
        v.best = d;
        v.best_step = line["step"].get<double>();
      }
    }
  return v;
}

// One run's row: where training ended, its best validation and the convergence rule's verdict.
std::vector<Cell> training_row(const Run& r, const std::vector<LossTermSpec>& terms) {
  std::vector<Cell> row{Cell::str(r.labels.dataset),  Cell::str(r.labels.model),
                        Cell::str(r.labels.group),    Cell::str(r.labels.setting),
                        Cell::str(r.labels.variant),  Cell::str(std::to_string(r.labels.seed)),
                        number_or_missing(last_of(r, "step"), 0), number_or_missing(last_of(r, "loss"), 4)};
  for (const auto& term : terms) row.push_back(number_or_missing(last_of(r, term.name), 4));
  const Validation val = validation_of(r);
  row.push_back(number_or_missing(val.best ? std::optional<double>(100 * *val.best) : std::nullopt, 2));
  row.push_back(number_or_missing(val.best_step, 0));
  if (val.dsc.size() < kConvergenceWindow) {
    row.push_back(Cell::missing());
    row.push_back(Cell::missing());
    return row;
  }
  double last = 0;
  for (std::size_t i = val.dsc.size() - kConvergenceWindow; i < val.dsc.size(); ++i) last += val.dsc[i];
  last /= static_cast<double>(kConvergenceWindow);
  row.push_back(Cell::num(100 * last, 2));
  row.push_back(Cell::str(*val.best - last <= kConvergenceTolerance ? "yes" : "no"));
  return row;
}

}  // namespace

void training_section(const Context& ctx, ReportContent& out) {
  Table t;
  t.id = "training";
  t.title = "Training";
  t.note = fmt::format("From each run's train_log.jsonl: the loss and its terms averaged over the last logging "
                       "interval, the best validation DSC (pseudo Dice on held-out training cases, in %) with its "
                       "step, and the mean of the last {} validations; converged: that mean within {:g} pp of the "
                       "best (the rule fixed before the runs; it says training has flattened, not that the run "
                       "learnt: read it with the best validation DSC).",
                       kConvergenceWindow, 100 * kConvergenceTolerance);
  // One column per term of the objective (losses/objective.h), named as the log names it.
  const auto& terms = loss_term_registry();
  const auto term_title = [](std::string name) {
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    return name + " term";
  };
  t.columns = {"Dataset", "Model", "Group", "Setting", "Variant", "Seed", "Steps", "Loss"};
  for (const auto& term : terms) t.columns.push_back(term_title(term.name));
  t.columns.insert(t.columns.end(), {"Best val DSC", "Best at step",
                                     fmt::format("Mean of last {} val DSC", kConvergenceWindow), "Converged"});
  for (const auto& [key, p] : ctx.main) {
    bool any = false;
    for (const RunSet* s : {&p.spatial, &p.spectral})
      for (const Run* r : *s) {
        if (r->train_log.empty()) continue;
        any = true;
        auto row = training_row(*r, terms);
        t.rows.push_back(std::move(row));
      }
    if (!any) continue;
    const std::string stem = sanitize_id(key.first) + "_" + sanitize_id(key.second);
    const std::string what = key.first + " · " + key.second;
    std::vector<std::tuple<LinePlot, std::string, std::string>> panels{
        {curves(p, what + " · training loss", "loss (total)", "loss", 1), "loss", "Total loss per run, seeds overlaid."}};
    // Every term beyond the base one: each is logged for every run, so a spatial-only run shows
    // the term it did not optimise.
    for (std::size_t i = 1; i < terms.size(); ++i)
      panels.emplace_back(curves(p, what + " · " + terms[i].name + " term", std::string(terms[i].name) + " loss term",
                                 terms[i].name, 1),
                          terms[i].name,
                          fmt::format("The {} term of the loss per run, seeds overlaid; logged for every run, in the "
                                      "objective only where its weight ({}) is not 0.",
                                      terms[i].name, terms[i].weight_key));
    panels.emplace_back(curves(p, what + " · validation DSC", "validation DSC (%)", "val_dsc", 100), "val_dsc",
                        "Pseudo Dice on the held-out training cases at each validation.");
    for (const auto& [plot, file, caption] : panels) {
      if (plot.series.empty()) continue;
      out.figures.push_back({fmt::format("figures/training_{}_{}.svg", file, stem), plot.title, "training",
                             line_plot_svg(plot), caption});
    }
  }
  // The ablation runs too, so that every run of a study is held to the rule (no curves: the main
  // pair's show what training looks like, and one figure per setting would bury them).
  for (const auto& [group_setting, groups] : ctx.by_group)
    for (const auto& [key, p] : groups)
      for (const RunSet* s : {&p.spatial, &p.spectral})
        for (const Run* r : *s)
          if (!r->train_log.empty()) t.rows.push_back(training_row(*r, terms));
  if (!t.rows.empty()) out.tables.push_back(std::move(t));
}

}  // namespace mis

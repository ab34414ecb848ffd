#pragma once
// What every section of the report shares: runs grouped by (dataset, model) into spatial-only and
// spatial+spectral, and the cells that compare them (mean ± sample std over seeds, the
// difference with a bootstrap interval over cases, the paired Wilcoxon p), each case's value
// averaged over seeds first and paired by case id.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "report/runs.h"
#include "report/table.h"

namespace mis {

// Colours of the two variants in every figure (matplotlib's tab10 blue and red, distinct for
// the common colour-vision deficiencies together with the dashed line of the second).
constexpr const char* kSpatialColor = "#1f77b4";
constexpr const char* kSpectralColor = "#d62728";

using RunSet = std::vector<const Run*>;
struct Pair {
  RunSet spatial, spectral;
};
// (dataset, model) -> runs of each variant, for one group/setting.
using Groups = std::map<std::pair<std::string, std::string>, Pair>;

// A run's value (a mean over cases), and its per-case values keyed "<test set>/<case id>".
using ValueOf = std::function<std::optional<double>(const Run&)>;
using CasesOf = std::function<std::map<std::string, double>(const Run&)>;

struct Context {
  std::map<std::tuple<std::string, std::string>, Groups> by_group;  // (group, setting) -> groups
  Groups main;
  std::string hd95_unit = "mm";
};

Context group_runs(const std::vector<Run>& runs);

// Mean ± sample std over the runs (seeds) that have a value; "missing"/"failed" when none has.
Cell seed_cell(const RunSet& runs, const ValueOf& value, double scale, int decimals);
Cell delta_cell(const Cell& spatial, const Cell& spectral, bool lower_better = false);
// Per case, the mean over the seeds that measured it.
std::map<std::string, double> seed_mean_cases(const RunSet& runs, const CasesOf& cases);
// The paired differences spectral - spatial over the cases both measured (each case's value
// averaged over seeds first), times `scale`; empty when either side has none.
std::vector<double> paired_differences(const Pair& p, const CasesOf& cases, double scale);
Cell p_cell(const std::vector<double>& d);
// The difference of two seed cells as the mean of the paired case differences `d`, with their 95%
// bootstrap interval; missing when either cell is.
Cell paired_delta_cell(const Cell& spatial, const Cell& spectral, const std::vector<double>& d,
                       bool lower_better = false);
// spatial, +spectral, Δ [95% bootstrap interval of the mean paired difference], p for one metric.
void four_cells(std::vector<Cell>& row, const Pair& p, const ValueOf& value, const CasesOf& cases, double scale,
                int decimals, bool lower_better = false);
// Appends to rows [first_row, end) the Holm-adjusted form of their p-values in column `p_col`
// (Holm 1979), the family being those rows; "n/a"/"missing" cells stay so.
void add_holm_column(Table& t, std::size_t first_row, std::size_t p_col);
// The four column names of four_cells: "<metric> spatial", "<metric> +spectral", "<metric> <delta>", "<metric> p".
std::vector<std::string> pair_header(const std::string& metric, const std::string& delta);

ValueOf iid_value(const std::string& metric);
CasesOf iid_cases(const std::string& metric);
// dataset empty: all OOD test sets (the pooled "OOD" column).
ValueOf ood_value(const std::string& metric, const std::string& dataset);
CasesOf ood_cases(const std::string& metric, const std::string& dataset);

// Under each corruption type's strongest level (the collapse docs/spectral-hypotheses.md's H3b is
// about): the mean over types, and the cases keyed "<type>/<test set>/<case id>".
ValueOf strongest_noise_value(const std::string& metric);
CasesOf strongest_noise_cases(const std::string& metric);

std::string seeds_note(const Groups& groups);

// The statistics, as every table's note says them.
extern const char* const kPNote;

}  // namespace mis

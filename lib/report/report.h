#pragma once
// Tables from result files: spatial-only against spatial+spectral, in-distribution and
// out-of-distribution, mean (and std over seeds), and the difference in percentage points.
#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"

namespace mis {

// Reads every result JSON named (files, or folders searched recursively for *.json with the
// result schema). A file that is not a result is an error naming it.
std::vector<json> load_results(const std::vector<std::filesystem::path>& paths);

// The Markdown report: a headline table (rows dataset x architecture) and one per OOD domain.
std::string markdown_report(const std::vector<json>& results);

}  // namespace mis

#pragma once
// CLI11's parse errors as the project's one-line errors (exit 2), with the nearest command or
// flag for a typo, as git and cargo do ("did you mean --data?").
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mis::cli {

// The candidate nearest to `given` in edit distance (Levenshtein: insertions, deletions,
// substitutions), when near enough to be a typo: at most 2 edits and fewer than half of `given`'s
// characters; "" when none is.
std::string closest_name(const std::string& given, const std::vector<std::string>& candidates);

// One line (no "error: " prefix) for a parse error of `app` on argv: the unknown command or flag
// with its nearest spelling, else CLI11's message; then where the options are listed.
std::string describe_parse_error(CLI::App& app, const CLI::ParseError& error, int argc, char** argv);

}  // namespace mis::cli

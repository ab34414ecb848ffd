#include "parse_errors.h"

#include <algorithm>
#include <cstdlib>
#include <numeric>

namespace mis::cli {

namespace {

// The classic two-row dynamic programme (Wagner and Fischer, 1974).
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  std::iota(previous.begin(), previous.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::vector<CLI::App*> all_commands(CLI::App& app) {
  return app.get_subcommands([](CLI::App*) { return true; });
}

// Every spelling of `command`'s options: "--data", "-c", ...
std::vector<std::string> option_spellings(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : command.get_options()) {
    for (const auto& n : option->get_lnames()) names.push_back("--" + n);
    for (const auto& n : option->get_snames()) names.push_back("-" + n);
  }
  return names;
}

bool is_number(const std::string& text) {
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

std::string did_you_mean(const std::string& given, const std::vector<std::string>& candidates) {
  const std::string near = closest_name(given, candidates);
  return near.empty() ? "" : "; did you mean " + near + "?";
}

}  // namespace

std::string closest_name(const std::string& given, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;  // at most 2 edits
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(given, candidate);
    if (d < best_distance && 2 * d < given.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string describe_parse_error(CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  const std::string program = app.get_name().empty() ? "mis-spectral" : app.get_name();
  CLI::App* command = nullptr;
  int first = 1;
  for (; first < argc; ++first) {
    const std::string word = argv[first];
    if (word.rfind('-', 0) == 0) continue;  // an option of the program itself (--quiet)
    for (CLI::App* c : all_commands(app))
      if (c->check_name(word)) command = c;
    if (!command) {
      std::vector<std::string> names;
      for (CLI::App* c : all_commands(app)) names.push_back(c->get_name());
      return "unknown command '" + word + "'" + did_you_mean(word, names) + " (" + program +
             " --help lists the commands)";
    }
    break;
  }
  if (!command) return "a command is required (" + program + " --help lists them)";
  const std::string help = " (" + program + " " + command->get_name() + " --help lists its options)";
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    for (int i = first + 1; i < argc; ++i) {
      const std::string word = argv[i];
      if (word.size() < 2 || word[0] != '-' || word == "--" || is_number(word)) continue;
      const std::string name = word.substr(0, word.find('='));
      if (command->get_option_no_throw(name) != nullptr) continue;
      return command->get_name() + ": unknown option " + name + did_you_mean(name, option_spellings(*command)) + help;
    }
  }
  return command->get_name() + ": " + error.what() + help;
}

}  // namespace mis::cli

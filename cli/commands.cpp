#include "commands.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace mis::cli {

namespace {
std::vector<std::pair<int, CommandAdder>>& registry() {
  static std::vector<std::pair<int, CommandAdder>> commands;
  return commands;
}
}  // namespace

CommandRegistration::CommandRegistration(int order, CommandAdder add) { registry().emplace_back(order, add); }

void add_registered_commands(CLI::App& app) {
  auto commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, add] : commands) add(app);
}

}  // namespace mis::cli

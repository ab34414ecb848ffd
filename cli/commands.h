#pragma once
// Subcommands register themselves: each cli/<command>.cpp defines one `add_*` function and
// MIS_REGISTER_COMMAND(order, add_*), so adding a command touches no shared file.
// The CLI only parses and calls the library.
#include <CLI/CLI.hpp>

namespace mis::cli {

using CommandAdder = void (*)(CLI::App&);

struct CommandRegistration {
  // `order` places the command in --help (10 synth, 20 preprocess, 30 train, 40 eval, ...).
  CommandRegistration(int order, CommandAdder add);
};

// Adds every registered command to `app`, in order.
void add_registered_commands(CLI::App& app);

}  // namespace mis::cli

#define MIS_REGISTER_COMMAND(order, adder) \
  static const ::mis::cli::CommandRegistration mis_command_registration_##adder(order, adder)

#pragma once
// Binds command-line flags to keys of a command's JSON config, so that the config a command
// runs with is: the struct's defaults <- the --config file <- the flags actually given.
// One struct per command stays the single definition of its settings.
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/json.h"

namespace mis::cli {

enum class ListItems { numbers, strings };

// A list flag's text as a JSON array: items between `separator`s ("0,0.05,0.1", "0.9:1.1") or a
// JSON array ("[1.5, 1.5, 3]"). Strict as the other flags: no empty item, numbers whole and
// finite ("0.1x" and "nan" are refused), and exactly `count` items when `count` is not 0. A
// mistake is a UserError naming `flag`.
json parse_list(const std::string& text, const std::string& flag, ListItems items, char separator = ',',
                std::size_t count = 0);

// Marks a ConfigFlags option REQUIRED in --help (as CLI11 marks its own required options) without
// making CLI11 demand it: the key may come from --config instead; the command's validate()
// refuses the config when it is missing.
CLI::Option* required(CLI::Option* option);

class ConfigFlags {
 public:
  // `defaults` is to_json(Config{}): it gives each key its type and the --help defaults.
  ConfigFlags(CLI::App* app, json defaults);

  // --name VALUE sets the key at `pointer` (e.g. "/loss/lambda"); the value is parsed as the
  // default's JSON type unless `parse` is given.
  CLI::Option* add(const std::string& name, const std::string& pointer, const std::string& description,
                   std::function<json(const std::string&)> parse = nullptr);
  // --name LIST sets a list key (parse_list): "--levels 0,0.05,0.1", "--brightness-range 0.7:1.3".
  CLI::Option* add_list(const std::string& name, const std::string& pointer, const std::string& description,
                        ListItems items, char separator = ',', std::size_t count = 0);
  // --name (no value) sets a boolean key to `value`.
  CLI::Option* add_switch(const std::string& name, const std::string& pointer, const std::string& description,
                          bool value = true);
  // --config FILE: a JSON file with any subset of the keys. `upgrade`, when given, rewrites keys
  // renamed since older files were written (train: augment.rot90_flip) before they are checked.
  void add_config_file_option(std::function<json(json)> upgrade = nullptr);

  // The merged configuration, after parsing: defaults, then --config FILE, then the flags given.
  json resolve() const;

 private:
  struct Binding {
    std::string pointer;
    CLI::Option* option;
    std::string* text;
    std::function<json(const std::string&)> parse;
    std::optional<bool> switch_value;
  };
  CLI::App* app_;
  json defaults_;
  std::deque<std::string> storage_;
  std::vector<Binding> bindings_;
  std::string config_file_;
  std::function<json(json)> upgrade_file_;
};

}  // namespace mis::cli

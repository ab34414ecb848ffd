#include "config_flags.h"

#include <cctype>
#include <cmath>
#include <set>
#include <string>

#include "core/error.h"

namespace mis::cli {

ConfigFlags::ConfigFlags(CLI::App* app, json defaults) : app_(app), defaults_(std::move(defaults)) {}

namespace {

// The value's kind in --help, from the default's JSON type (CLI11 shows TEXT for every string
// option otherwise): INT, UINT (no sign: seeds), FLOAT, BOOL, JSON, or PATH for the keys that
// name files and folders.
std::string value_type_name(const json& like, const std::string& pointer) {
  static const std::set<std::string> path_keys = {"data",  "input", "output",          "checkpoint",
                                                  "pred",  "ref",   "save_predictions"};
  if (like.is_number_unsigned()) return "UINT";
  if (like.is_number_integer()) return "INT";
  if (like.is_number_float()) return "FLOAT";
  if (like.is_boolean()) return "BOOL";
  if (like.is_string()) return path_keys.count(pointer.substr(pointer.rfind('/') + 1)) ? "PATH" : "TEXT";
  return "JSON";
}

std::string default_text(const json& value) {
  if (value.is_string()) return value.get<std::string>().empty() ? "" : value.get<std::string>();
  if (value.is_null()) return "none";
  return value.dump();
}

// Reads a flag's text as the JSON type of its default, strictly: "0.01abc" is not a number,
// "3.5" is not an integer, "-1" is not an unsigned seed and "nan" is not a usable number.
json parse_as(const json& like, const std::string& text, const std::string& flag) {
  const auto fail = [&](const char* expected) -> json {
    throw UserError(flag + ": cannot read '" + text + "' as " + expected);
  };
  std::size_t used = 0;
  try {
    if (like.is_number_unsigned()) {
      if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return fail("a non-negative integer");
      const auto v = std::stoull(text, &used);
      return used == text.size() ? json(v) : fail("a non-negative integer");
    }
    if (like.is_number_integer()) {
      const auto v = std::stoll(text, &used);
      return used == text.size() ? json(v) : fail("an integer");
    }
    if (like.is_number_float()) {
      const double v = std::stod(text, &used);
      return used == text.size() && std::isfinite(v) ? json(v) : fail("a finite number");
    }
    if (like.is_string()) return text;
    return json::parse(text);
  } catch (const std::invalid_argument&) {
  } catch (const std::out_of_range&) {
  } catch (const json::exception&) {
  }
  if (like.is_number_unsigned()) return fail("a non-negative integer");
  if (like.is_number_integer()) return fail("an integer");
  if (like.is_number_float()) return fail("a finite number");
  return fail(like.type_name());
}

// One item of a list flag: a whole, finite number.
double parse_list_number(const std::string& item, const std::string& text, const std::string& flag) {
  std::size_t used = 0;
  double v = 0.0;
  try {
    v = std::stod(item, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || item.find_first_not_of(" \t", used) != std::string::npos || !std::isfinite(v))
    throw UserError(flag + ": cannot read '" + item + "' of '" + text + "' as a finite number");
  return v;
}

}  // namespace

json parse_list(const std::string& text, const std::string& flag, ListItems items, char separator,
                std::size_t count) {
  const std::string what = items == ListItems::numbers ? "numbers" : "names";
  const std::string example = std::string("A") + separator + "B";
  json out = json::array();
  if (!text.empty() && text.front() == '[') {
    try {
      out = json::parse(text);
    } catch (const json::exception&) {
      throw UserError(flag + ": cannot read '" + text + "' as a JSON list of " + what);
    }
    for (const auto& item : out)
      if (items == ListItems::numbers ? !item.is_number() : !item.is_string())
        throw UserError(flag + ": '" + item.dump() + "' in '" + text + "' is not one of the " + what + " expected");
  } else {
    std::size_t start = 0;
    while (true) {
      const auto end = text.find(separator, start);
      const std::string item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (item.empty())
        throw UserError(flag + ": empty item in '" + text + "' (expected " + what + " as " + example + ")");
      if (items == ListItems::numbers)
        out.push_back(parse_list_number(item, text, flag));
      else
        out.push_back(item);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  if (count != 0 && out.size() != count)
    throw UserError(flag + ": expected " + std::to_string(count) + " " + what + " as " + example + ", got '" + text +
                    "'");
  return out;
}

CLI::Option* ConfigFlags::add_list(const std::string& name, const std::string& pointer, const std::string& description,
                                   ListItems items, char separator, std::size_t count) {
  const std::string flag = name.substr(0, name.find(','));
  const std::string item = items == ListItems::numbers ? "FLOAT" : "NAME";
  const std::string sep(1, separator);
  return add(name, pointer, description,
             [=](const std::string& text) { return parse_list(text, flag, items, separator, count); })
      ->type_name(count == 2 ? item + sep + item : item + sep + "...");
}

CLI::Option* ConfigFlags::add(const std::string& name, const std::string& pointer, const std::string& description,
                              std::function<json(const std::string&)> parse) {
  const json& like = defaults_.at(json::json_pointer(pointer));
  std::string* text = &storage_.emplace_back();
  const std::string shown = default_text(like);
  CLI::Option* option = app_->add_option(name, *text, description + (shown.empty() ? "" : " [default: " + shown + "]"));
  option->type_name(value_type_name(like, pointer));
  bindings_.push_back({pointer, option, text, std::move(parse), std::nullopt});
  return option;
}

CLI::Option* required(CLI::Option* option) { return option->type_name(option->get_type_name() + " REQUIRED"); }

CLI::Option* ConfigFlags::add_switch(const std::string& name, const std::string& pointer,
                                     const std::string& description, bool value) {
  (void)defaults_.at(json::json_pointer(pointer));  // the key must exist
  CLI::Option* option = app_->add_flag(name, description);
  bindings_.push_back({pointer, option, nullptr, nullptr, value});
  return option;
}

void ConfigFlags::add_config_file_option(std::function<json(json)> upgrade) {
  upgrade_file_ = std::move(upgrade);
  app_->add_option("--config", config_file_,
                   "JSON file with any of this command's settings (same keys as the 'config' block of its results; a "
                   "REQUIRED option may come from here instead); flags given on the command line override it")
      ->check(CLI::ExistingFile);
}

json ConfigFlags::resolve() const {
  json merged = defaults_;
  if (!config_file_.empty()) {
    json file = read_json_file(config_file_);
    if (upgrade_file_) {
      try {
        file = upgrade_file_(std::move(file));
      } catch (const UserError& e) {
        throw UserError(config_file_ + ": " + e.what());
      }
    }
    reject_unknown_keys(file, defaults_, config_file_);
    merged = merge_json(merged, file);
  }
  for (const auto& b : bindings_) {
    if (b.option->count() == 0) continue;
    const json::json_pointer ptr(b.pointer);
    if (b.switch_value) {
      merged[ptr] = *b.switch_value;
    } else {
      const std::string flag = b.option->get_name();
      merged[ptr] = b.parse ? b.parse(*b.text) : parse_as(defaults_.at(ptr), *b.text, flag);
    }
  }
  return merged;
}

}  // namespace mis::cli

#include "config_flags.h"

#include "core/error.h"

namespace mis::cli {

ConfigFlags::ConfigFlags(CLI::App* app, json defaults) : app_(app), defaults_(std::move(defaults)) {}

namespace {

std::string default_text(const json& value) {
  if (value.is_string()) return value.get<std::string>().empty() ? "" : value.get<std::string>();
  if (value.is_null()) return "none";
  return value.dump();
}

json parse_as(const json& like, const std::string& text, const std::string& flag) {
  try {
    if (like.is_number_unsigned()) return std::stoull(text);
    if (like.is_number_integer()) return std::stoll(text);
    if (like.is_number_float()) return std::stod(text);
    if (like.is_string()) return text;
    return json::parse(text);
  } catch (const std::exception&) {
    throw UserError(flag + ": cannot read '" + text + "' as " + like.type_name());
  }
}

}  // namespace

CLI::Option* ConfigFlags::add(const std::string& name, const std::string& pointer, const std::string& description,
                              std::function<json(const std::string&)> parse) {
  const json& like = defaults_.at(json::json_pointer(pointer));
  std::string* text = &storage_.emplace_back();
  const std::string shown = default_text(like);
  CLI::Option* option = app_->add_option(name, *text, description + (shown.empty() ? "" : " [default: " + shown + "]"));
  bindings_.push_back({pointer, option, text, std::move(parse), std::nullopt});
  return option;
}

CLI::Option* ConfigFlags::add_switch(const std::string& name, const std::string& pointer,
                                     const std::string& description, bool value) {
  (void)defaults_.at(json::json_pointer(pointer));  // the key must exist
  CLI::Option* option = app_->add_flag(name, description);
  bindings_.push_back({pointer, option, nullptr, nullptr, value});
  return option;
}

void ConfigFlags::add_config_file_option() {
  app_->add_option("--config", config_file_,
                   "JSON file with any of this command's settings (same keys as the 'config' block of its results); "
                   "flags given on the command line override it")
      ->check(CLI::ExistingFile);
}

json ConfigFlags::resolve() const {
  json merged = defaults_;
  if (!config_file_.empty()) {
    const json file = read_json_file(config_file_);
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

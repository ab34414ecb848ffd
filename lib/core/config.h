#pragma once
// One declaration per command config. A config struct names each of its keys once:
//
//   struct EvalConfig { std::string checkpoint; int64_t batch_size = 16; ... };
//   MIS_CONFIG_KEYS(EvalConfig, checkpoint, batch_size, ...)
//   void validate(const EvalConfig& c, const std::string& source);  // the command's own checks
//
// and gets its JSON form (`to_json(c)`, every key with its value; `to_json(EvalConfig{})` gives
// the defaults that --help and ConfigFlags show) and `config_from_json<EvalConfig>(j, source)`:
// unknown keys and values of another type are refused naming `source`, missing keys keep the
// struct's defaults, then `validate` runs. A config whose JSON key differs from its member's
// name (explain's "class") writes the two-argument to_json/from_json pair by hand instead.
#include <string>

#include "core/error.h"
#include "core/json.h"

// nlohmann's NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT (json 3.11, "Arbitrary types
// conversions"): to_json/from_json with the member names as keys, a missing key keeping the value
// of a default-constructed struct. The one-argument to_json returns the object.
#define MIS_CONFIG_KEYS(Type, ...)                                      \
  NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Type, __VA_ARGS__)    \
  inline ::mis::json to_json(const Type& config) { return ::mis::json(config); }

namespace mis {

// `given` (any subset of Config's keys) as a Config: defaults <- given, then validate(config,
// source), found next to Config. Every mistake is a UserError that starts with `source` (a file,
// "eval settings", ...).
template <class Config>
Config config_from_json(const json& given, const std::string& source) {
  reject_unknown_keys(given, json(Config{}), source);
  Config config;
  try {
    config = given.get<Config>();
  } catch (const json::exception& e) {
    throw UserError(source + ": wrong type for a setting (" + e.what() + ")");
  } catch (const UserError& e) {  // a hand-written from_json's parse of a part (train's loss, say)
    throw UserError(source + ": " + e.what());
  }
  validate(config, source);
  return config;
}

}  // namespace mis

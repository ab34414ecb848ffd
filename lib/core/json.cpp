#include "core/json.h"

#include "core/error.h"
#include "core/files.h"

namespace mis {

json read_json_file(const std::filesystem::path& path) {
  const std::string text = read_text_file(path);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    fail_file(path, std::string("not valid JSON: ") + e.what());
  }
}

void write_json_atomic(const std::filesystem::path& path, const json& value) {
  write_text_atomic(path, value.dump(2) + "\n");
}

json merge_json(json base, const json& patch) {
  if (!base.is_object() || !patch.is_object()) return patch;
  for (const auto& [key, value] : patch.items()) {
    base[key] = base.contains(key) ? merge_json(base[key], value) : value;
  }
  return base;
}

namespace {

// What `given` should have been when its type does not fit the default's, or "". Any number
// may stand for a floating-point default, integers for integer ones (non-negative ones for
// unsigned defaults such as seeds); a null default (an optional value) takes anything.
std::string expected_type(const json& given, const json& reference) {
  if (reference.is_null()) return "";
  if (reference.is_number_float()) return given.is_number() ? "" : "a number";
  if (reference.is_number_unsigned())
    return given.is_number_unsigned() || (given.is_number_integer() && given.get<int64_t>() >= 0) ? ""
                                                                                                   : "a non-negative integer";
  if (reference.is_number_integer()) return given.is_number_integer() ? "" : "an integer";
  if (reference.is_boolean()) return given.is_boolean() ? "" : "true or false";
  if (reference.is_string()) return given.is_string() ? "" : "a string";
  if (reference.is_array()) return given.is_array() ? "" : "an array";
  if (reference.is_object()) return given.is_object() ? "" : "an object";
  return "";
}

}  // namespace

void reject_unknown_keys(const json& given, const json& reference, const std::string& source,
                         const std::string& prefix) {
  if (!given.is_object() || !reference.is_object()) return;
  for (const auto& [key, value] : given.items()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (!reference.contains(key)) {
      std::string known;
      for (const auto& [k, v] : reference.items()) known += (known.empty() ? "" : ", ") + k;
      throw UserError(source + ": unknown key '" + path + "' (known here: " + known + ")");
    }
    if (const std::string expected = expected_type(value, reference[key]); !expected.empty())
      throw UserError(source + ": key '" + path + "' must be " + expected + ", not " + value.dump());
    // Free-form objects (defaults that are empty objects) accept any keys.
    if (!reference[key].empty()) reject_unknown_keys(value, reference[key], source, path);
  }
}

}  // namespace mis

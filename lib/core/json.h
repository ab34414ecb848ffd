#pragma once
// JSON in and out, with errors that name the file.
#include <filesystem>
#include <optional>
#include <nlohmann/json.hpp>

namespace mis {

using json = nlohmann::json;

// A metric that may be undefined (an empty mask, say): the number, or null, never a sentinel.
inline json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json read_json_file(const std::filesystem::path& path);

// Pretty-printed, written atomically.
void write_json_atomic(const std::filesystem::path& path, const json& value);

// Recursively overlays `patch` onto `base` (objects merge key by key; anything else replaces).
json merge_json(json base, const json& patch);

// Throws a UserError when `given` holds a key that `reference` (the defaults) lacks, or a value
// of another type than the default's (a string for a number, 3.5 for an integer), naming the
// key path and `source` (a file or "command line"): a typo must not pass silently.
void reject_unknown_keys(const json& given, const json& reference, const std::string& source,
                         const std::string& prefix = "");

}  // namespace mis

#include "experiment/run_labels.h"

#include <fmt/format.h>

#include "core/error.h"

namespace mis {

json to_json(const RunLabels& l) {
  return {{"dataset", l.dataset}, {"model", l.model},     {"variant", l.variant},
          {"group", l.group},     {"setting", l.setting}, {"seed", l.seed}};
}

RunLabels run_labels_from_json(const json& labels) {
  const auto wrong = [&](const char* key, const std::string& expected) {
    throw UserError(fmt::format("\"labels.{}\" is {}, expected {}", key,
                                labels.contains(key) ? labels[key].dump() : "null", expected));
  };
  if (!labels.is_object()) throw UserError(fmt::format("\"labels\" is {}, expected an object", labels.dump()));
  const auto text = [&](const char* key, bool required) {
    if (!labels.contains(key)) {
      if (required) wrong(key, "a non-empty string");
      return std::string();
    }
    const json& v = labels[key];
    if (!v.is_string() || (required && v.get<std::string>().empty()))
      wrong(key, required ? "a non-empty string" : "a string");
    return v.get<std::string>();
  };
  RunLabels l;
  l.dataset = text("dataset", true);
  l.model = text("model", true);
  l.variant = text("variant", true);
  l.group = text("group", true);
  l.setting = text("setting", false);
  if (!labels.contains("seed") || !labels["seed"].is_number_unsigned()) wrong("seed", "a non-negative integer");
  l.seed = labels["seed"].get<std::uint64_t>();
  return l;
}

}  // namespace mis

#pragma once
// Small string helpers used across lib/, each written once.
#include <string>

namespace mis {

// Characters outside [A-Za-z0-9._-] become '_', so the result is a safe file name (or part of
// one) in every tool: case ids, class names.
std::string sanitize_id(const std::string& name);

// ASCII lower case (file endings, names compared case-insensitively).
std::string lower(std::string s);
// True when `s` ends with `suffix` (an equal string included).
bool ends_with(const std::string& s, const std::string& suffix);

}  // namespace mis

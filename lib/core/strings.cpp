#include "core/strings.h"

#include <algorithm>
#include <cctype>

namespace mis {

std::string sanitize_id(const std::string& name) {
  std::string id = name;
  for (char& ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || ch == '_' || ch == '-' || ch == '.')) ch = '_';
  }
  return id;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace mis

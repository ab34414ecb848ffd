#include "core/strings.h"

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

}  // namespace mis

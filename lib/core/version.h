#pragma once
namespace mis {
// `git describe --always --dirty --tags` of the source tree at build time.
const char* code_version();
}  // namespace mis

#include "core/host_memory.h"

#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mis {
namespace {

HostAllocatorSetting& current_setting() {
  static HostAllocatorSetting setting{false, "system default"};
  return setting;
}

}  // namespace

HostAllocatorSetting keep_freed_host_memory(const char* glibc_tunables) {
  HostAllocatorSetting setting;
#if defined(__GLIBC__)
  if (glibc_tunables != nullptr && std::strstr(glibc_tunables, "glibc.malloc.") != nullptr) {
    setting.description = "glibc malloc as set by GLIBC_TUNABLES";
  } else {
    // mallopt takes an int: 1 GiB and 2 GiB - 1 are the largest round values it accepts. Setting
    // either threshold also turns off glibc's own adjustment of the mmap threshold (mallopt(3)).
    constexpr int kMmapThreshold = 1 << 30;
    constexpr int kTrimThreshold = 0x7fffffff;
    setting.keeps_freed_memory =
        mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
    setting.description = setting.keeps_freed_memory
                              ? "glibc malloc keeping freed memory (mmap threshold 1 GiB, trim threshold 2 GiB)"
                              : "glibc malloc defaults (mallopt refused the thresholds)";
  }
#else
  (void)glibc_tunables;
  setting.description = "system default (not glibc)";
#endif
  current_setting() = setting;
  return setting;
}

const HostAllocatorSetting& host_allocator_setting() { return current_setting(); }

}  // namespace mis

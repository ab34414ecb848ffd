#pragma once
// How the C library's allocator returns freed memory to the operating system.
//
// A training step frees and re-allocates the same activation buffers (tens of MiB each) every
// step. glibc's malloc serves blocks above its mmap threshold (at most 32 MiB when it adjusts the
// threshold itself) with a fresh mmap and unmaps them on free, and trims the top of its heap when
// more than twice that threshold is free: either way the next step faults every page back in and
// the kernel zeroes it. On a 2-core EPYC (results/bench/amd-epyc-2c_2026-12-03-malloc/) that was
// 5.1 million page faults and 14.7 s of kernel time in a 6-step fp32 UNet bench, a quarter of each
// step; keeping freed memory in the process removes them. The price is a peak resident set a
// little above the peak of live tensors (freed blocks are reused, not returned).
#include <string>

namespace mis {

struct HostAllocatorSetting {
  bool keeps_freed_memory = false;  // true when this process changed the allocator's thresholds
  std::string description;          // one line for logs and the bench report
};

// Keeps freed blocks up to 1 GiB in the process and the top of the heap untrimmed up to 2 GiB
// (glibc mallopt M_MMAP_THRESHOLD and M_TRIM_THRESHOLD). Leaves the allocator alone where the
// C library is not glibc, or where `glibc_tunables` (the GLIBC_TUNABLES environment variable)
// sets any glibc.malloc tunable: a user who tunes malloc keeps their settings. main() calls it
// once, before any tensor exists.
HostAllocatorSetting keep_freed_host_memory(const char* glibc_tunables);

// What keep_freed_host_memory did in this process; "system default" before it ran.
const HostAllocatorSetting& host_allocator_setting();

}  // namespace mis

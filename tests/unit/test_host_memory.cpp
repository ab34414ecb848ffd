// core/host_memory.h: a freed large block is reused without page faults once the allocator keeps
// freed memory, and a user's own GLIBC_TUNABLES malloc settings are left alone.
#include <doctest/doctest.h>

#include <cstdlib>

#include <sys/resource.h>

#include "core/host_memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace mis;

namespace {

// Writes one byte per 4 KiB page through a volatile pointer: a plain memset before free() is a
// dead store the compiler may drop, and then no page would ever be touched.
void touch_pages(char* block, size_t bytes) {
  volatile char* pages = block;
  for (size_t i = 0; i < bytes; i += 4096) pages[i] = 1;
}

long minor_page_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

}  // namespace

TEST_CASE("keep_freed_host_memory leaves malloc alone when GLIBC_TUNABLES tunes it") {
  const HostAllocatorSetting setting = keep_freed_host_memory("glibc.malloc.mmap_threshold=131072");
  CHECK_FALSE(setting.keeps_freed_memory);
  CHECK(host_allocator_setting().description == setting.description);
#if defined(__GLIBC__)
  CHECK(setting.description.find("GLIBC_TUNABLES") != std::string::npos);
#endif
}

#if defined(__GLIBC__)
TEST_CASE("keep_freed_host_memory: a freed 64 MiB block comes back without an mmap or page faults") {
  // Another tunable (not malloc's) does not stop it.
  const HostAllocatorSetting setting = keep_freed_host_memory("glibc.cpu.hwcaps=-AVX512F");
  REQUIRE(setting.keeps_freed_memory);
  CHECK(host_allocator_setting().keeps_freed_memory);
  // 64 MiB is above the 32 MiB that glibc's self-adjusting mmap threshold can reach: with its
  // defaults each allocation is a fresh mmap (mallinfo2's hblks counts it) whose 16,384 pages all
  // fault in when written.
  constexpr size_t kBytes = size_t{64} << 20;
  constexpr long kPages = static_cast<long>(kBytes / 4096);
  const size_t mmapped_before = mallinfo2().hblks;
  char* first = static_cast<char*>(std::malloc(kBytes));
  REQUIRE(first != nullptr);
  CHECK(mallinfo2().hblks == mmapped_before);
  touch_pages(first, kBytes);
  std::free(first);
  const long faults_before = minor_page_faults();
  char* second = static_cast<char*>(std::malloc(kBytes));
  REQUIRE(second != nullptr);
  touch_pages(second, kBytes);
  const long faults = minor_page_faults() - faults_before;
  std::free(second);
  CHECK(mallinfo2().hblks == mmapped_before);
  CHECK(faults < kPages / 16);  // reused pages: no fault per page (a few for the bookkeeping at most)
}
#endif

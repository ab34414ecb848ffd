#pragma once
// Some libraries report errors by printing them: NIfTI's niftilib (inside ITK) writes
// "** ERROR: NWAD: wrote only 0 of N bytes" to stderr on a full disk and returns, and the
// caller only learns of the failure later (volume_io_itk.cpp reads each file back). The
// project then reports that failure itself, in one line naming the file, so the library's own
// line is a duplicate without the file name.
//
// While at least one StderrFilter lives, file descriptor 2 points to a memory file; when the
// last one ends, the captured text is written to the real stderr without the lines that start
// with the dropped prefix. Output of other threads in the meantime is delayed, never lost. The
// filters nest and may overlap across threads (preprocess writes cases in parallel).
#include <string>

namespace mis {

class StderrFilter {
 public:
  // Drops captured lines that start with `prefix`; niftilib's all start with "** ".
  explicit StderrFilter(std::string prefix = "** ");
  ~StderrFilter();
  StderrFilter(const StderrFilter&) = delete;
  StderrFilter& operator=(const StderrFilter&) = delete;

 private:
  std::string prefix_;
};

}  // namespace mis

// Wall-clock timing and peak memory, for the per-stage figures that
// `sgc train --json` and the benchmarks report.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdint>

namespace sgc {

class Timer {
 public:
  Timer() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  void reset() { start_ = std::chrono::steady_clock::now(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Peak resident set size of this program so far, in bytes: VmHWM of
// /proc/self/status. Not getrusage's ru_maxrss, which Linux carries across
// exec: a program started by a large parent (a Python script holding
// gigabytes) would report the parent's size.
inline int64_t peak_rss_bytes() {
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    long long kib = -1;
    while (std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "VmHWM: %lld kB", &kib) == 1) break;
    std::fclose(f);
    if (kib >= 0) return int64_t(kib) * 1024;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return int64_t(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace sgc

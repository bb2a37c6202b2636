// Wall-clock timing and peak memory, for the per-stage figures that
// `sgc train --json` and the benchmarks report.
#pragma once

#include <sys/resource.h>

#include <chrono>
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

// Peak resident set size of this process so far, in bytes (getrusage).
inline int64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return int64_t(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace sgc

// The thread count of the engine's OpenMP regions, set in one place for the
// command line, the Python module and the benchmarks.
#pragma once

namespace sgc {

// More threads than this is refused: the OpenMP runtime crashes creating
// hundreds of thousands of them, and no host of ours has this many cores.
inline constexpr int kMaxThreads = 1024;

// n >= 1: that many threads for the calls that follow (from this thread);
// 0: all cores (the OpenMP default). ArgumentError naming --threads outside [0, kMaxThreads].
void set_num_threads(int n);
int num_threads();

}  // namespace sgc

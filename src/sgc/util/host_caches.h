// The data caches of the CPU running this process, for the constants that
// depend on them (the spmm plan, ops/spmm_plan.h; the z-score tiles,
// graph/normalize.cc): detected, never fixed on one machine.
#pragma once

#include <cstdint>
#include <string>

namespace sgc {

// Data caches of the CPU running this process (sysfs, else sysconf, else a
// small common configuration, "assumed").
struct HostCaches {
  int64_t l1d = 0, l2 = 0, l3 = 0;  // bytes (0: none reported)
  int l3_sharers = 0;               // CPUs sharing one L3 (0: not reported, e.g. a VM hiding its topology)
  std::string source;               // "sysfs", "sysconf" or "assumed"
};
const HostCaches& host_caches();

// The most L3 one core of an x86 server part has to itself: Zen 2-5 CCDs
// share 16-32 MiB among 4-8 cores, Intel Xeons 1.25-2.5 MiB a core. Only
// used when the L3's sharing is not reported.
inline constexpr int64_t kL3PerCore = int64_t(4) << 20;

// Bytes of cache `threads` threads can count on: their share of the L3 (all
// of it when the sharing is not reported, but at most kL3PerCore a thread:
// hypervisors that hide the topology report a whole socket's L3) plus their L2.
int64_t usable_cache_bytes(int threads);

}  // namespace sgc

// See host_caches.h.
#include "sgc/util/host_caches.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sgc {

namespace {

int64_t parse_size(const std::string& s) {  // "48K", "32768K", "1M"
  if (s.empty()) return 0;
  int64_t v = std::atoll(s.c_str());
  if (s.back() == 'K') v <<= 10;
  if (s.back() == 'M') v <<= 20;
  return v;
}

int count_cpus(const std::string& list) {  // "0-7,64-71"
  int n = 0;
  std::stringstream ss(list);
  for (std::string part; std::getline(ss, part, ',');) {
    const auto dash = part.find('-');
    n += dash == std::string::npos ? 1 : std::atoi(part.c_str() + dash + 1) - std::atoi(part.c_str()) + 1;
  }
  return n;
}

std::string read_line(const std::string& path) {
  std::ifstream f(path);
  std::string s;
  std::getline(f, s);
  return s;
}

HostCaches detect() {
  HostCaches c;
  for (int i = 0; i < 8; ++i) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    const std::string level = read_line(dir + "level"), type = read_line(dir + "type");
    if (level.empty()) break;
    if (type == "Instruction") continue;
    const int64_t size = parse_size(read_line(dir + "size"));
    if (level == "1") c.l1d = size;
    if (level == "2") c.l2 = size;
    if (level == "3") {
      c.l3 = size;
      c.l3_sharers = count_cpus(read_line(dir + "shared_cpu_list"));
    }
    c.source = "sysfs";
  }
  if (c.source.empty()) {
    c.l1d = std::max(0L, sysconf(_SC_LEVEL1_DCACHE_SIZE));
    c.l2 = std::max(0L, sysconf(_SC_LEVEL2_CACHE_SIZE));
    c.l3 = std::max(0L, sysconf(_SC_LEVEL3_CACHE_SIZE));
    c.source = "sysconf";
  }
  if (c.l2 <= 0 && c.l3 <= 0) {  // nothing reported: a small common configuration
    c.l1d = 32 << 10;
    c.l2 = 256 << 10;
    c.l3 = 8 << 20;
    c.source = "assumed";
  }
  return c;
}

}  // namespace

const HostCaches& host_caches() {
  static const HostCaches c = detect();
  return c;
}

int64_t usable_cache_bytes(int threads) {
  const HostCaches& c = host_caches();
  threads = std::max(1, threads);
  const int64_t per_thread_l3 = c.l3_sharers > 0 ? c.l3 / c.l3_sharers : std::min(c.l3, kL3PerCore);
  return std::min(c.l3 > 0 ? c.l3 : INT64_MAX, per_thread_l3 * threads) + c.l2 * threads;
}

}  // namespace sgc

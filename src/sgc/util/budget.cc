#include "sgc/util/budget.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "sgc/error.h"

namespace sgc {

namespace {
std::atomic<int64_t> budget{0};  // 0: not set yet
// Where the budget came from, for messages: 0 default, 1 $SGC_MEMORY_LIMIT, 2 set (--memory-limit, set_limits).
std::atomic<int> budget_source{0};
std::atomic<int64_t> products_cap{0};  // 0: not set yet
}  // namespace

int64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), size = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? int64_t(pages) * int64_t(size) : int64_t(8) << 30;
}

int64_t parse_bytes(const std::string& text, const std::string& flag) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  std::string unit(end ? end : "");
  for (const char* suffix : {"iB", "B"})
    if (unit.size() >= std::string(suffix).size() && unit.size() <= 3 &&
        unit.compare(unit.size() - std::string(suffix).size(), std::string::npos, suffix) == 0)
      unit.resize(unit.size() - std::string(suffix).size());
  double scale = 0;
  if (unit.empty()) scale = 1;
  else if (unit == "K" || unit == "k") scale = 1024.0;
  else if (unit == "M" || unit == "m") scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "g") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "t") scale = 1024.0 * 1024 * 1024 * 1024;
  const double bytes = v * scale;
  if (end == text.c_str() || scale == 0 || !(bytes >= 1) || bytes > 9.2e18)
    throw ArgumentError(flag + ": expected a size such as 8G, 512M or a number of bytes, got '" + text + "'");
  return int64_t(bytes);
}

int64_t memory_budget() {
  int64_t b = budget.load();
  if (b > 0) return b;
  b = physical_memory_bytes() / 2;
  if (const char* env = std::getenv("SGC_MEMORY_LIMIT"); env && *env) {
    b = parse_bytes(env, "SGC_MEMORY_LIMIT");
    budget_source.store(1);
  }
  budget.store(b);
  return b;
}

void set_memory_budget(int64_t bytes) {
  if (bytes <= 0) throw ArgumentError("--memory-limit: must be positive");
  budget.store(bytes);
  budget_source.store(2);
}

std::string format_bytes(int64_t bytes) {
  char buf[32];
  const double b = double(bytes);
  if (b >= 1 << 30) std::snprintf(buf, sizeof buf, "%.2f GB", b / (1 << 30));
  else if (b >= 1 << 20) std::snprintf(buf, sizeof buf, "%.1f MB", b / (1 << 20));
  else std::snprintf(buf, sizeof buf, "%lld bytes", (long long)bytes);
  return buf;
}

void require_memory(int64_t bytes, const std::string& what) {
  const int64_t limit = memory_budget();
  if (bytes >= 0 && bytes <= limit) return;
  static const char* const source[] = {" (half the physical memory by default)", " (from $SGC_MEMORY_LIMIT)",
                                       " (as set)"};
  throw ResourceError(what + " needs " + (bytes < 0 ? std::string("more than 8 EB") : format_bytes(bytes)) +
                      ", above the memory budget of " + format_bytes(limit) + source[budget_source.load()] +
                      "; raise it with --memory-limit, $SGC_MEMORY_LIMIT or sgc.set_limits(memory=...)");
}

void require_memory_estimate(double bytes, const std::string& what) {
  require_memory(bytes >= 9.2e18 || !(bytes >= 0) ? -1 : int64_t(bytes), what);
}

int64_t parse_max_products(const std::string& text, const std::string& flag) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end == text.c_str() || *end != '\0' || errno == ERANGE || v < 1)
    throw ArgumentError(flag + ": expected a positive number of sparse products, got '" + text + "'");
  return int64_t(v);
}

int64_t max_sparse_products() {
  int64_t n = products_cap.load();
  if (n > 0) return n;
  n = kDefaultMaxProducts;
  if (const char* env = std::getenv("SGC_MAX_PRODUCTS"); env && *env) n = parse_max_products(env, "SGC_MAX_PRODUCTS");
  products_cap.store(n);
  return n;
}

void set_max_sparse_products(int64_t n) {
  if (n < 1) throw ArgumentError("--max-products: must be >= 1, got " + std::to_string(n));
  products_cap.store(n);
}

void require_products(int64_t n, const std::string& what) {
  const int64_t cap = max_sparse_products();
  if (n >= 0 && n <= cap) return;
  throw ResourceError(what + " needs " + (n < 0 ? std::string("more than 2^63") : std::to_string(n)) +
                      " sparse products, above the cap of " + std::to_string(cap) +
                      " (default " + std::to_string(kDefaultMaxProducts) +
                      "); raise it with --max-products N, $SGC_MAX_PRODUCTS or sgc.set_limits(max_products=N)");
}

}  // namespace sgc

// The memory budget: every size read from a file and every computation's
// memory is checked against it *before* allocating, so a small or lying input
// cannot make the program allocate more than the machine has.
//
// Default: half of the physical memory (sysconf). The command line's
// --memory-limit and $SGC_MEMORY_LIMIT ("8G", "512M", "1.5T", plain bytes)
// change it; set_memory_budget() does for library users.
#pragma once

#include <cstdint>
#include <string>

namespace sgc {

int64_t physical_memory_bytes();
int64_t memory_budget();
void set_memory_budget(int64_t bytes);  // ArgumentError naming --memory-limit if <= 0
// "8G" -> 8 << 30 (K, M, G, T; optional "B"/"iB"; plain bytes); ArgumentError naming `flag` otherwise.
int64_t parse_bytes(const std::string& text, const std::string& flag);
// "1.50 GB" for messages.
std::string format_bytes(int64_t bytes);

// Throws sgc::ResourceError "<what> needs <n> (budget <b>); raise --memory-limit
// or ..." when `bytes` (negative: overflowed) exceeds the budget.
void require_memory(int64_t bytes, const std::string& what);
// The same for a size multiplied out in floating point (a product of counts
// that may not fit int64_t): one beyond int64_t counts as overflowed.
void require_memory_estimate(double bytes, const std::string& what);

// The sparse-product cap: every operator's products are counted from its
// parameters (ops/operator.h planned_sparse_products) and refused above this
// cap before any work. Default kDefaultMaxProducts (a generous bound: the
// published settings need at most 900); the command line's --max-products,
// $SGC_MAX_PRODUCTS and Python's sgc.set_limits(max_products=...) change it.
inline constexpr int64_t kDefaultMaxProducts = 10000;
int64_t max_sparse_products();
void set_max_sparse_products(int64_t n);  // ArgumentError naming --max-products if < 1
// "--max-products: ..." for a text that is not a positive integer.
int64_t parse_max_products(const std::string& text, const std::string& flag);
// Throws sgc::ResourceError "<what> needs <n> sparse products, above the cap
// of <cap>; raise it with --max-products ..." when n (negative: overflowed) exceeds the cap.
void require_products(int64_t n, const std::string& what);

}  // namespace sgc

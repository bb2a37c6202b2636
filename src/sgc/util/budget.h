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

}  // namespace sgc

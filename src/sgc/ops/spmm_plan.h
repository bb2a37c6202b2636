// How a sparse x dense product is run on this host: the kernel variant
// (kernels/kernel_table.h), whole rows or column panels, the panel width and
// the prefetch distances, derived from the caches the host reports rather
// than fixed on one machine. `sgc info` prints them.
//
// The model: a whole-row product gathers one row of X per non-zero, and
// once X is larger than the cache the process can use, those gathers come
// from memory. Column panels (Y = A X one block of columns at a time, the
// block packed contiguously) make each gather one cache line of a panel that
// stays cached, at the cost of streaming A once per panel; they pay when X
// does not fit in the usable cache and rows are long enough for the cheaper
// gathers to outweigh those streams. The panel is as wide as the cache allows
// (fewer passes over A), from 16 up to 128 columns; it is stored as X is, so
// 16-bit X gets panels of twice the columns and half the passes over A.
#pragma once

#include <cstdint>
#include <string>

#include "sgc/ops/spmm.h"
#include "sgc/util/host_caches.h"

namespace sgc {

struct SpmmPlan {
  bool panels = false;
  int64_t panel_width = 16;    // columns of a panel (16, 32, 64 or 128)
  int64_t panel_prefetch = 96; // non-zeros ahead whose panel line is prefetched
  int64_t row_prefetch = 2;    // whole rows: non-zeros ahead ...
  int64_t row_prefetch_lines = 4;  // ... and how many lines of that row
  int64_t usable_cache = 0;    // what the choice was made against
};

// The plan for a x (a: rows x n, nnz non-zeros; x: n x d, elem_bytes each) on
// `threads` threads; `kernel` other than Auto forces rows or panels.
SpmmPlan plan_spmm(int64_t a_rows, int64_t nnz, int64_t n, int64_t d, int64_t elem_bytes, int threads,
                   SpmmKernel kernel);

// Several lines: the kernel variant, the CPU's vector extensions, the caches
// and the resulting thresholds (for `sgc info`).
std::string describe_kernels(int threads);

}  // namespace sgc

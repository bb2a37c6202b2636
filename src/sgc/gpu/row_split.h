// How the GPU's hop kernel (cuda/spmm_pairs.cuh) hands S's rows to warps,
// CUDA-free so that every build tests it.
//
// One warp sums a row; the warps take rows from a counter until none are
// left. A row that holds more entries than each warp's even share of the
// product would outlast the others on one warp, so it is "long": a block of
// warps sums it in fixed runs, added in order (spmm_long_rows_kernel).
//
// Row lengths are heavy-tailed, and the order the counter hands rows out in
// decides how long a pass waits at its end for its last rows:
//   stored       rows in S's order, long rows after them (a second kernel
//                that scans every row): a row just under the long threshold
//                taken last runs alone at the end of each pass;
//   heavy-first  the product's rows of more than heavy_row entries (and its
//                long rows) are listed first (one short kernel a product);
//                the listed rows are handed out before the others, and the
//                long rows are summed on a second stream beside them, so
//                what runs last is a short row (longest-processing-time-
//                first list scheduling, Graham 1969).
// Which warp sums a row changes with the order; how it sums it does not, so
// both orders give the same bits. SGC_GPU_ROW_ORDER picks one.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "sgc/error.h"

namespace sgc {

enum class RowOrder { kStored, kHeavyFirst };

// SGC_GPU_ROW_ORDER's value: unset, empty or "stored", or "heavy-first".
inline RowOrder parse_row_order(const char* value) {
  if (!value || !*value || std::string(value) == "stored") return RowOrder::kStored;
  if (std::string(value) == "heavy-first") return RowOrder::kHeavyFirst;
  throw ArgumentError(std::string("SGC_GPU_ROW_ORDER: expected 'stored' or 'heavy-first', got '") + value + "'");
}

// A row this long or shorter is never long, whatever the device: below it
// a block of warps a row costs more than the warp it spares.
constexpr int64_t kMinLongRow = 1024;

struct RowSplit {
  int64_t long_row = 0;        // rows of more entries go to the long-row kernel; 0: none do
  int64_t heavy_row = 0;       // heavy-first: rows of more entries (and at most long_row) are listed; 0: no list
  int64_t heavy_capacity = 0;  // the most heavy rows a product over S can hold
  int64_t long_capacity = 0;   // heavy-first: the most long rows (listed too)
};

// The split for products over S's rows (or any subset, or a block of them):
// rows and nnz entries (each row's diagonal counted when it is added on the
// device), the longest row `longest` (-1: unknown), on a device running
// `warps` warps at once. A row is long when it holds more than max(1024,
// nnz / warps) entries. A heavy row holds more than an eighth of that and
// more than 4 mean rows: once the listed rows are out, each row handed out
// holds at most an eighth of a warp's share (so the end of a pass waits
// about that long at most for its last one), and at most a quarter of the
// rows are listed. A product's rows of more than t entries number at most
// nnz / (t + 1): the lists' sizes.
inline RowSplit split_rows(int64_t rows, int64_t nnz, int64_t longest, int64_t warps, RowOrder order) {
  RowSplit s;
  const int64_t share = nnz / std::max<int64_t>(warps, 1);
  const int64_t threshold = std::max(kMinLongRow, share);
  const bool known = longest >= 0;
  s.long_row = known && longest <= threshold ? 0 : threshold;
  if (order != RowOrder::kHeavyFirst) return s;
  if (s.long_row > 0) s.long_capacity = std::min(rows, nnz / (s.long_row + 1));
  const int64_t mean = rows > 0 ? (nnz + rows - 1) / rows : 0;
  const int64_t heavy = std::max(threshold / 8, 4 * mean);
  if (heavy >= threshold || (known && longest <= heavy)) return s;  // no row is heavy and not long
  s.heavy_row = heavy;
  s.heavy_capacity = std::min(rows, nnz / (heavy + 1));
  return s;
}

// Device bytes of heavy-first's lists for S at most (the split's capacities
// on any device: a heavy row holds more than 128 entries, a long one more
// than 1024), and its two counts.
inline double row_lists_bytes(int64_t rows, int64_t nnz) {
  return 4.0 * double(std::min(rows, nnz / (kMinLongRow / 8 + 1)) + std::min(rows, nnz / (kMinLongRow + 1)) + 2);
}

}  // namespace sgc

// Where S lives while the GPU propagates: whole in device memory when it fits
// beside the hop buffers, else streamed through two device slots in row blocks
// on every hop (the host's copy re-read each hop; the buffers of X stay on the
// device). A hop's output rows [b_i, b_i+1) need only S's rows [b_i, b_i+1)
// and all of X, so the blocks are consecutive rows cut by entries; a streamed
// hop costs S's bytes over the host link, where a resident one reads them from
// device memory, so streaming is the fallback, not a choice. The slots take
// turns, so that one block's upload runs while the previous block's product
// does (SlotTurns).
//
// CUDA-free (the module includes it; every build tests it): which placement
// (place_s), where the blocks end (row_blocks) and which slot a block may
// overwrite when (SlotTurns).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "sgc/error.h"

namespace sgc {

// Device bytes a streamed block takes per entry it may hold: a column index and
// a value (8), and at most one row a entry (rows are capped by entries too) of
// 64-bit offsets and their 32-bit copy for cuSPARSE (12).
constexpr double kSlotBytesPerEntry = 20;
// The same when the block is described with 64-bit indices (when S's dense
// operands reach 2^31 elements): a 64-bit copy of each column besides.
constexpr double kWideSlotBytesPerEntry = kSlotBytesPerEntry + 8;
// Slots a streamed S takes turns in (place_s is given their bytes together):
// two let an upload overlap a product; more would only shrink the blocks.
constexpr int kStreamSlots = 2;
// Blocks keep 32-bit offsets within a block, and no launch over a huge one.
constexpr int64_t kMaxBlockEntries = int64_t(1) << 30;
// A streamed block holds at least this many entries (or all of S) unless a
// smaller one is asked for: below it the per-block launches dominate.
constexpr int64_t kMinBlockEntries = int64_t(1) << 20;
// Device bytes a streamed run leaves free beside its slots, for what the
// libraries allocate themselves (the SpMM workspace, handles, kernels):
// streaming is the case where memory is full.
constexpr double kStreamHeadroomBytes = double(256 << 20);

struct SPlacement {
  bool streamed = false;
  int64_t block_entries = 0;  // a streamed block's most entries (and rows)
  int slots = 1;              // the slots a streamed S takes turns in
};

// fixed: device bytes the run holds besides S; s_bytes: S whole; usable:
// device bytes it may use; nnz and longest_row: S's entries and its longest
// row's; asked_block_bytes > 0 streams S in blocks of about that many bytes
// (at least one row, at most what fits) even when it fits whole; slot_bytes:
// a block's device bytes per entry (kSlotBytesPerEntry or the wide one);
// slots: how many blocks the device would hold at once (kStreamSlots); one
// when that many of the smallest block do not fit but one does.
// ResourceError, naming `what` and the sizes, when not even a streamed S fits.
inline SPlacement place_s(double fixed, double s_bytes, int64_t nnz, int64_t longest_row, double usable,
                          double asked_block_bytes, const std::string& what,
                          double slot_bytes = kSlotBytesPerEntry, int slots = 1) {
  SPlacement p;
  if (asked_block_bytes <= 0 && fixed + s_bytes <= usable) return p;
  p.streamed = true;
  const double row = double(std::max<int64_t>(longest_row, 1));
  const double room = usable - fixed - kStreamHeadroomBytes;
  // The smallest block worth streaming: one asked for may be down to a row.
  const double least =
      asked_block_bytes > 0 ? row : std::max(row, double(std::min(std::max<int64_t>(nnz, 1), kMinBlockEntries)));
  auto fit_in = [&](int n) {
    return std::min(room > 0 ? std::floor(room / (slot_bytes * n)) : 0.0, double(kMaxBlockEntries));
  };
  p.slots = std::max(slots, 1);
  if (p.slots > 1 && fit_in(p.slots) < least) p.slots = 1;
  const double fit = fit_in(p.slots);
  if (fit < least) {
    char buf[400];
    std::snprintf(buf, sizeof buf,
                  "%s needs %.2f GiB of GPU memory beside S and a block of S's rows (S itself: %.2f GiB, "
                  "streamed in row blocks when it does not fit; its longest row: %.0f entries), %.2f GiB are usable",
                  what.c_str(), fixed / 1073741824.0, s_bytes / 1073741824.0, row, usable / 1073741824.0);
    throw ResourceError(std::string(buf) + "; use --device cpu (or the out-of-core path) for this graph");
  }
  const double want = asked_block_bytes > 0 ? std::floor(asked_block_bytes / slot_bytes) : fit;
  p.block_entries = int64_t(std::clamp(want, row, fit));
  return p;
}

// The longest row of a CSR matrix's offsets (rows + 1 of them).
inline int64_t longest_row(const int64_t* indptr, int64_t rows) {
  int64_t longest = 0;
  for (int64_t r = 0; r < rows; ++r) longest = std::max(longest, indptr[r + 1] - indptr[r]);
  return longest;
}

// Cuts rows [0, rows) into consecutive blocks of at most max_entries entries
// and max_entries rows each, as long as possible: returns b_0 = 0 < b_1 < ...
// < b_m = rows (just {0} for no rows). A row longer than max_entries is a
// caller's error (place_s sizes blocks to the longest row).
inline std::vector<int64_t> row_blocks(const int64_t* indptr, int64_t rows, int64_t max_entries) {
  if (max_entries < 1) throw std::logic_error("row_blocks: a block must hold an entry");
  std::vector<int64_t> bounds{0};
  for (int64_t r0 = 0; r0 < rows;) {
    // The last row r with indptr[r] <= indptr[r0] + max_entries ends the block.
    const int64_t left = indptr[rows] - indptr[r0];  // no sum beyond S's own sizes
    const int64_t* past =
        std::upper_bound(indptr + r0 + 1, indptr + rows + 1, indptr[r0] + std::min(max_entries, left));
    const int64_t end = std::min<int64_t>(int64_t(past - indptr) - 1, r0 + std::min(max_entries, rows - r0));
    if (end <= r0)
      throw std::logic_error("row_blocks: row " + std::to_string(r0) + " has more than " +
                             std::to_string(max_entries) + " entries");
    bounds.push_back(end);
    r0 = end;
  }
  return bounds;
}

// Which slot each streamed block is uploaded into, and when: block loads
// i = 0, 1, ... go to slot i % slots, once the product that last read that
// slot (load i - slots's) is done, while later products may still run. A
// Queue, in order with the products, provides
//   void mark(int slot);  // queue a mark after everything queued so far
//   void wait(int slot);  // until slot's last mark is reached (at once if none)
// At load i the mark after load i - 1's product goes into that load's slot,
// so a slot's mark always follows its last reader's product.
class SlotTurns {
 public:
  explicit SlotTurns(int slots) : slots_(std::max(slots, 1)) {}
  int slots() const { return slots_; }

  // The slot for the next load, free to overwrite on return.
  template <class Queue>
  int next(Queue& queue) {
    if (loads_ > 0) queue.mark(int((loads_ - 1) % slots_));
    const int slot = int(loads_ % slots_);
    queue.wait(slot);
    ++loads_;
    return slot;
  }

 private:
  int slots_;
  int64_t loads_ = 0;
};

}  // namespace sgc

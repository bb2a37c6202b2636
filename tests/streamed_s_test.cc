// Where the GPU path keeps S (gpu/streamed_s.h): the placement decision and
// the row blocks a streamed S is cut into, checked in every build; a
// streamed product over those blocks equals the whole product.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "sgc/error.h"
#include "sgc/gpu/streamed_s.h"

namespace sgc {
namespace {

std::vector<int64_t> offsets_of(const std::vector<int64_t>& lengths) {
  std::vector<int64_t> indptr{0};
  for (int64_t l : lengths) indptr.push_back(indptr.back() + l);
  return indptr;
}

// Every block within both limits, the blocks consecutive and covering every
// row, and no block could take its next row (greedy: as long as possible).
void expect_valid_blocks(const std::vector<int64_t>& indptr, int64_t max_entries) {
  const int64_t rows = int64_t(indptr.size()) - 1;
  const std::vector<int64_t> b = row_blocks(indptr.data(), rows, max_entries);
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b.front(), 0);
  EXPECT_EQ(b.back(), rows);
  for (size_t i = 0; i + 1 < b.size(); ++i) {
    const int64_t r0 = b[i], r1 = b[i + 1];
    ASSERT_LT(r0, r1);
    EXPECT_LE(indptr[size_t(r1)] - indptr[size_t(r0)], max_entries) << "block " << i;
    EXPECT_LE(r1 - r0, max_entries) << "block " << i;
    if (r1 < rows) {
      const bool entries_full = indptr[size_t(r1) + 1] - indptr[size_t(r0)] > max_entries;
      const bool rows_full = r1 + 1 - r0 > max_entries;
      EXPECT_TRUE(entries_full || rows_full) << "block " << i << " stopped early at row " << r1;
    }
  }
}

TEST(StreamedS, RowBlocksCoverEveryRowWithinTheLimits) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const int64_t rows = int64_t(rng() % 300);
    std::vector<int64_t> lengths(static_cast<size_t>(rows));
    for (auto& l : lengths) l = int64_t(rng() % 4 == 0 ? 0 : rng() % 12);  // empty rows too
    const std::vector<int64_t> indptr = offsets_of(lengths);
    int64_t longest = 0;
    for (int64_t l : lengths) longest = std::max(longest, l);
    EXPECT_EQ(longest_row(indptr.data(), rows), longest);
    for (int64_t max_entries : {std::max<int64_t>(longest, 1), longest + 3, int64_t(50), int64_t(100000)})
      if (max_entries >= std::max<int64_t>(longest, 1)) expect_valid_blocks(indptr, max_entries);
  }
}

TEST(StreamedS, RowBlocksEdgeCases) {
  const std::vector<int64_t> none{0};
  EXPECT_EQ(row_blocks(none.data(), 0, 5), std::vector<int64_t>{0});
  // Empty rows are capped by the row limit, not taken forever.
  const std::vector<int64_t> empty = offsets_of({0, 0, 0, 0, 0});
  EXPECT_EQ(row_blocks(empty.data(), 5, 2), (std::vector<int64_t>{0, 2, 4, 5}));
  // A row exactly the limit is a block of its own; one beyond it is refused.
  const std::vector<int64_t> rows = offsets_of({3, 1, 3});
  EXPECT_EQ(row_blocks(rows.data(), 3, 3), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(row_blocks(rows.data(), 3, 4), (std::vector<int64_t>{0, 2, 3}));
  EXPECT_THROW(row_blocks(rows.data(), 3, 2), std::logic_error);
  EXPECT_THROW(row_blocks(rows.data(), 3, 0), std::logic_error);
  // A limit beyond any sum of offsets: one block.
  EXPECT_EQ(row_blocks(rows.data(), 3, INT64_MAX), (std::vector<int64_t>{0, 3}));
}

// y = S x by blocks of rows, each block's offsets rebased to its first entry,
// as the device does it: equal to the whole product.
TEST(StreamedS, ABlockedProductEqualsTheWholeOne) {
  std::mt19937_64 rng(11);
  const int64_t n = 97, d = 3;
  std::vector<int64_t> lengths(static_cast<size_t>(n));
  for (auto& l : lengths) l = int64_t(rng() % 9);
  const std::vector<int64_t> indptr = offsets_of(lengths);
  std::vector<int32_t> indices(size_t(indptr.back()));
  std::vector<float> values(indices.size()), x(size_t(n * d));
  for (auto& j : indices) j = int32_t(rng() % uint64_t(n));
  for (auto& v : values) v = float(rng() % 1000) / 1000.0f;
  for (auto& v : x) v = float(rng() % 1000) / 100.0f;
  auto product = [&](int64_t r0, int64_t r1, std::vector<float>& y) {
    std::vector<int64_t> local(indptr.begin() + r0, indptr.begin() + r1 + 1);
    const int64_t base = local[0];
    for (auto& o : local) o -= base;
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t p = local[size_t(r - r0)]; p < local[size_t(r - r0 + 1)]; ++p)
        for (int64_t c = 0; c < d; ++c)
          y[size_t(r * d + c)] += values[size_t(base + p)] * x[size_t(indices[size_t(base + p)] * d + c)];
  };
  std::vector<float> whole(size_t(n * d), 0.0f);
  product(0, n, whole);
  for (int64_t max_entries : {int64_t(8), int64_t(20), int64_t(1000)}) {
    const std::vector<int64_t> b = row_blocks(indptr.data(), n, max_entries);
    std::vector<float> blocked(size_t(n * d), 0.0f);
    for (size_t i = 0; i + 1 < b.size(); ++i) product(b[i], b[i + 1], blocked);
    EXPECT_EQ(blocked, whole) << "blocks of " << max_entries;
  }
}

TEST(StreamedS, PlacementKeepsSWholeWhenItFitsAndStreamsWhenNot) {
  const double gib = 1073741824.0;
  const int64_t nnz = int64_t(1) << 28;  // 2 GiB of S
  const double s = double(nnz) * 8;
  // Fits beside the buffers: whole.
  SPlacement p = place_s(10 * gib, s, nnz, 500, 20 * gib, 0, "t");
  EXPECT_FALSE(p.streamed);
  // Does not fit: streamed, blocks sized to the room left beside the headroom.
  p = place_s(10 * gib, s, nnz, 500, 11 * gib, 0, "t");
  EXPECT_TRUE(p.streamed);
  EXPECT_EQ(p.block_entries, int64_t((gib - kStreamHeadroomBytes) / kSlotBytesPerEntry));
  EXPECT_LE(10 * gib + double(p.block_entries) * kSlotBytesPerEntry + kStreamHeadroomBytes, 11 * gib);
  // Lots of room but S still does not fit: blocks capped.
  p = place_s(100 * gib, 1000 * gib, nnz, 500, 130 * gib, 0, "t");
  EXPECT_TRUE(p.streamed);
  EXPECT_EQ(p.block_entries, kMaxBlockEntries);
  // Asked for: streamed even though it fits, blocks at least a row.
  p = place_s(0, s, nnz, 500, 20 * gib, 2000, "t");
  EXPECT_TRUE(p.streamed);
  EXPECT_EQ(p.block_entries, 500);
  p = place_s(0, s, nnz, 500, 20 * gib, 200000, "t");
  EXPECT_EQ(p.block_entries, 10000);
  // ... and at most what fits (or the cap), however large the ask.
  p = place_s(10 * gib, s, nnz, 500, 11 * gib, 1e300, "t");
  EXPECT_EQ(p.block_entries, int64_t((gib - kStreamHeadroomBytes) / kSlotBytesPerEntry));
  p = place_s(0, s, nnz, 500, 1000 * gib, 1e300, "t");
  EXPECT_EQ(p.block_entries, kMaxBlockEntries);
}

TEST(StreamedS, WideSlotsHoldFewerEntriesInTheSameRoom) {
  const double gib = 1073741824.0;
  const int64_t nnz = int64_t(1) << 28;
  const double s = double(nnz) * 8;
  // A slot with 64-bit columns besides takes more bytes per entry, so the same
  // room holds fewer entries, and the block still fits beside the headroom.
  const SPlacement narrow = place_s(10 * gib, s, nnz, 500, 11 * gib, 0, "t");
  const SPlacement wide = place_s(10 * gib, s, nnz, 500, 11 * gib, 0, "t", kWideSlotBytesPerEntry);
  EXPECT_TRUE(wide.streamed);
  EXPECT_EQ(wide.block_entries, int64_t((gib - kStreamHeadroomBytes) / kWideSlotBytesPerEntry));
  EXPECT_LT(wide.block_entries, narrow.block_entries);
  EXPECT_LE(10 * gib + double(wide.block_entries) * kWideSlotBytesPerEntry + kStreamHeadroomBytes, 11 * gib);
  // An asked block size is read in the wide slot's bytes too.
  EXPECT_EQ(place_s(0, s, nnz, 500, 20 * gib, 28000, "t", kWideSlotBytesPerEntry).block_entries, 1000);
  // Room for the smallest useful block in narrow slots but not in wide ones.
  const double room = 10 * gib + kStreamHeadroomBytes + double(kMinBlockEntries) * (kSlotBytesPerEntry + 4);
  EXPECT_TRUE(place_s(10 * gib, s, nnz, 500, room, 0, "t").streamed);
  EXPECT_THROW(place_s(10 * gib, s, nnz, 500, room, 0, "t", kWideSlotBytesPerEntry), ResourceError);
}

TEST(StreamedS, TwoSlotsShareTheRoomAndAskedBlocksStayWhole) {
  const double gib = 1073741824.0;
  const int64_t nnz = int64_t(1) << 28;
  const double s = double(nnz) * 8;
  const SPlacement one = place_s(10 * gib, s, nnz, 500, 11 * gib, 0, "t");
  const SPlacement two = place_s(10 * gib, s, nnz, 500, 11 * gib, 0, "t", kSlotBytesPerEntry, 2);
  EXPECT_EQ(two.block_entries, int64_t((gib - kStreamHeadroomBytes) / (2 * kSlotBytesPerEntry)));
  EXPECT_LE(10 * gib + 2.0 * double(two.block_entries) * kSlotBytesPerEntry + kStreamHeadroomBytes, 11 * gib);
  EXPECT_LT(two.block_entries, one.block_entries);
  // An asked block size is one block's, whatever the slots; still at most what fits.
  EXPECT_EQ(place_s(0, s, nnz, 500, 20 * gib, 200000, "t", kSlotBytesPerEntry, 2).block_entries, 10000);
  EXPECT_EQ(place_s(10 * gib, s, nnz, 500, 11 * gib, 1e300, "t", kSlotBytesPerEntry, 2).block_entries,
            two.block_entries);
  EXPECT_EQ(two.slots, 2);
  EXPECT_EQ(one.slots, 1);
  // Room for one smallest block but not two: one slot, the uploads and
  // products taking turns, rather than a refusal.
  const double room = 10 * gib + kStreamHeadroomBytes + 1.5 * double(kMinBlockEntries) * kSlotBytesPerEntry;
  const SPlacement tight = place_s(10 * gib, s, nnz, 500, room, 0, "t", kSlotBytesPerEntry, 2);
  EXPECT_EQ(tight.slots, 1);
  EXPECT_GE(tight.block_entries, kMinBlockEntries);
  EXPECT_LE(10 * gib + double(tight.block_entries) * kSlotBytesPerEntry + kStreamHeadroomBytes, room);
}

TEST(StreamedS, PlacementRefusesWhatDoesNotFitEvenStreamed) {
  const double gib = 1073741824.0;
  const int64_t nnz = int64_t(1) << 28;
  // The buffers alone exceed the device, asked for streaming or not.
  for (double asked : {0.0, 2000.0}) {
    try {
      place_s(30 * gib, double(nnz) * 8, nnz, 500, 20 * gib, asked, "propagating 9 x 9 features on the GPU");
      FAIL() << "no refusal";
    } catch (const ResourceError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("propagating 9 x 9 features on the GPU"), std::string::npos) << m;
      EXPECT_NE(m.find("30.00 GiB"), std::string::npos) << m;
      EXPECT_NE(m.find("--device cpu"), std::string::npos) << m;
    }
  }
  // Room for a few thousand entries only: below the smallest useful block.
  EXPECT_THROW(place_s(10 * gib, double(nnz) * 8, nnz, 500, 10 * gib + kStreamHeadroomBytes + 100000, 0, "t"),
               ResourceError);
  // Room for a block but not for the longest row.
  EXPECT_THROW(place_s(10 * gib, double(nnz) * 8, nnz, int64_t(1) << 27, 10 * gib + 0.5 * gib, 0, "t"),
               ResourceError);
  // A block smaller than the smallest useful one is refused, even for a small S.
  EXPECT_THROW(place_s(10 * gib, 800.0, 100, 5, 10 * gib + 600, 0, "t"), ResourceError);
  // Room for the smallest useful block beside the headroom: streamed.
  const SPlacement p = place_s(10 * gib, 2e9, 250000000, 5, 10 * gib + kStreamHeadroomBytes + 25e6, 0, "t");
  EXPECT_TRUE(p.streamed);
  EXPECT_EQ(p.block_entries, int64_t(25e6 / kSlotBytesPerEntry));
}

// A stream that runs its queued products only when waited for (the latest
// a GPU may run them): whether a slot handed out may still be read.
struct LazyQueue {
  std::vector<int> product_slot;  // queued products, in order, by the slot they read
  size_t done = 0;                // products 0 .. done-1 have run
  std::vector<size_t> marked;     // per slot: products queued before its last mark
  explicit LazyQueue(int slots) : marked(size_t(slots), 0) {}
  void mark(int slot) { marked[size_t(slot)] = product_slot.size(); }
  void wait(int slot) { done = std::max(done, marked[size_t(slot)]); }
  bool read_pending(int slot) const {
    for (size_t p = done; p < product_slot.size(); ++p)
      if (product_slot[p] == slot) return true;
    return false;
  }
};

TEST(StreamedS, SlotTurnsNeverOverwriteASlotBeingReadAndOverlap) {
  for (int slots : {1, 2, 3}) {
    SlotTurns turns(slots);
    LazyQueue queue(slots);
    for (int load = 0; load < 50; ++load) {
      const int slot = turns.next(queue);
      EXPECT_EQ(slot, load % slots);
      EXPECT_FALSE(queue.read_pending(slot)) << slots << " slots, load " << load;
      // With more than one slot the previous block's product may still run
      // while this block uploads: that is the overlap.
      if (slots > 1 && load > 0) EXPECT_EQ(queue.done, size_t(load - slots + 1 > 0 ? load - slots + 1 : 0));
      queue.product_slot.push_back(slot);
    }
  }
  EXPECT_EQ(SlotTurns(0).slots(), 1);
}

}  // namespace
}  // namespace sgc

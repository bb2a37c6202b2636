// How the GPU's hop kernel splits rows by length (gpu/row_split.h), checked
// in every build: the lists heavy-first fills on the device are never too
// small for any product over S's rows, a block of them or a subset, and the
// thresholds keep their order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "sgc/error.h"
#include "sgc/gpu/row_split.h"

namespace sgc {
namespace {

TEST(RowSplit, ParsesTheOrder) {
  EXPECT_EQ(parse_row_order(nullptr), RowOrder::kStored);
  EXPECT_EQ(parse_row_order(""), RowOrder::kStored);
  EXPECT_EQ(parse_row_order("stored"), RowOrder::kStored);
  EXPECT_EQ(parse_row_order("heavy-first"), RowOrder::kHeavyFirst);
  for (const char* bad : {"heavy", "Stored", "1", "heavy-first "}) {
    try {
      parse_row_order(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("SGC_GPU_ROW_ORDER"), std::string::npos) << e.what();
    }
  }
}

// Row lengths 1 + Pareto(shape 2) capped at `longest`, as the generated graphs have.
std::vector<int64_t> tailed_lengths(int64_t rows, double mean, int64_t longest, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(1e-12, 1.0);
  std::vector<int64_t> len(static_cast<size_t>(rows));
  for (auto& l : len) l = 1 + std::min<int64_t>(longest - 1, int64_t((mean - 0.5) / 2 / std::sqrt(u(rng))));
  return len;
}

int64_t count_over(const std::vector<int64_t>& len, int64_t t) {
  return std::count_if(len.begin(), len.end(), [t](int64_t l) { return l > t; });
}

// Heavy and long rows of S, of any block of consecutive rows and of a subset
// fit the lists; the thresholds are ordered; stored lists nothing.
TEST(RowSplit, ListsHoldEveryHeavyAndLongRow) {
  for (const int64_t warps : {int64_t(1), int64_t(132 * 64), int64_t(16 * 48)}) {
    for (const double mean : {3.0, 30.0, 96.0, 700.0}) {
      const std::vector<int64_t> len = tailed_lengths(50000, mean, 20000, uint64_t(warps) + uint64_t(mean));
      int64_t nnz = 0, longest = 0;
      for (int64_t l : len) nnz += l, longest = std::max(longest, l);
      const int64_t rows = int64_t(len.size());
      const RowSplit stored = split_rows(rows, nnz, longest, warps, RowOrder::kStored);
      EXPECT_EQ(stored.heavy_row, 0);
      EXPECT_EQ(stored.heavy_capacity + stored.long_capacity, 0);
      const RowSplit s = split_rows(rows, nnz, longest, warps, RowOrder::kHeavyFirst);
      EXPECT_EQ(s.long_row, stored.long_row) << "the order must not change which rows are long";
      if (s.long_row > 0) EXPECT_GE(s.long_row, kMinLongRow);
      if (s.heavy_row > 0) {
        EXPECT_GE(s.heavy_row, kMinLongRow / 8);
        EXPECT_LT(s.heavy_row, s.long_row > 0 ? s.long_row : longest);
        EXPECT_LE(s.heavy_capacity, rows / 4 + 1) << "mean " << mean;
      }
      const int64_t long_count = s.long_row > 0 ? count_over(len, s.long_row) : 0;
      const int64_t heavy_count = s.heavy_row > 0 ? count_over(len, s.heavy_row) - long_count : 0;
      EXPECT_LE(long_count, s.long_capacity);
      EXPECT_LE(heavy_count, s.heavy_capacity);
      EXPECT_LE(4.0 * double(s.heavy_capacity + s.long_capacity + 2), row_lists_bytes(rows, nnz));
      // A block (consecutive rows) and a subset (every third row) hold no more.
      const std::vector<int64_t> block(len.begin() + 1000, len.begin() + 30000);
      std::vector<int64_t> subset;
      for (size_t i = 0; i < len.size(); i += 3) subset.push_back(len[i]);
      for (const std::vector<int64_t>* part : std::vector<const std::vector<int64_t>*>{&block, &subset}) {
        if (s.long_row > 0) EXPECT_LE(count_over(*part, s.long_row), s.long_capacity);
        if (s.heavy_row > 0) EXPECT_LE(count_over(*part, s.heavy_row), s.heavy_capacity + s.long_capacity);
      }
    }
  }
}

// A row is long past a warp's even share (at least 1,024 entries); rows under
// four mean rows are never listed.
TEST(RowSplit, LongRowsFollowTheShare) {
  const int64_t warps = 100, rows = 10000;
  // 40 rows of 2,000 entries, the rest of one: share 89 entries, so the
  // threshold is its floor, 1,024.
  std::vector<int64_t> len(size_t(rows), 1);
  for (int64_t i = 0; i < 40; ++i) len[size_t(i)] = 2000;
  int64_t nnz = 0;
  for (int64_t l : len) nnz += l;
  const RowSplit s = split_rows(rows, nnz, 2000, warps, RowOrder::kHeavyFirst);
  ASSERT_GT(s.long_row, 0);
  EXPECT_EQ(s.long_row, std::max(kMinLongRow, nnz / warps));
  EXPECT_GE(s.long_capacity, count_over(len, s.long_row));
  EXPECT_EQ(s.long_capacity, nnz / (s.long_row + 1));
  EXPECT_EQ(count_over(len, s.long_row), 40);
  EXPECT_EQ(s.heavy_row, kMinLongRow / 8);  // above 4 mean rows (12)
  EXPECT_EQ(count_over(len, s.heavy_row) - count_over(len, s.long_row), 0);
  // A share above the floor moves the threshold with it.
  // A share above the floor moves the threshold with it (longest unknown),
  // and a longest row under it leaves no row long.
  EXPECT_EQ(split_rows(rows, nnz, -1, 10, RowOrder::kHeavyFirst).long_row, nnz / 10);
  EXPECT_EQ(split_rows(rows, nnz, 2000, 10, RowOrder::kHeavyFirst).long_row, 0);
}

// Without a tail (every row at most the heavy threshold) there is no list;
// an unknown longest row keeps the thresholds.
TEST(RowSplit, EvenRowsListNothing) {
  const RowSplit even = split_rows(100000, 100000 * 96, 96, 8448, RowOrder::kHeavyFirst);
  EXPECT_EQ(even.long_row, 0);
  EXPECT_EQ(even.heavy_row, 0);
  EXPECT_EQ(even.heavy_capacity, 0);
  const RowSplit unknown = split_rows(100000, 100000 * 96, -1, 8448, RowOrder::kHeavyFirst);
  EXPECT_GT(unknown.long_row, 0);
  EXPECT_GT(unknown.heavy_row, 0);
  EXPECT_LT(unknown.heavy_row, unknown.long_row);
  EXPECT_EQ(split_rows(0, 0, 0, 8448, RowOrder::kHeavyFirst).heavy_capacity, 0);
}

}  // namespace
}  // namespace sgc

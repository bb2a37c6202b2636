// Rows of op(S, X) that are only ever read through a linear map, kept as the
// operator's inputs instead of as rows.
//
// Every registry operator except sign is a matrix P (a polynomial or series in
// S) applied to each column of X alone, so for any d x c matrix W
//     (P X)[R] W = (P (X W))[R],
// and a linear classifier's logits for the rows R cost the operator on the
// n x c matrix X W, not on n x d. The softmax head reads the test rows only
// that way, so a transductive run keeps S and the sparse X (which it holds
// during propagation anyway) instead of |R| x d dense rows: on Amazon
// Computers (13,752 x 767) the dense test rows alone take 40 MB where X and S
// take 33 MB, and the n x d hop buffers before them are never made at all
// (the train and val rows are propagated a column block at a time).
//
// The two sides agree to float rounding (the sums are formed in a different
// order), not bitwise; tests/linear_rows_test.cc checks them against the
// materialised rows. The n x c hops run in fp32 whatever the operator's
// --precision: they are small, and 16 bits would round the logits directly.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/operator.h"

namespace sgc {

class LinearRows {
 public:
  // The rows `rows` of op(s, x). ArgumentError when the operator does not
  // act on each column alone (linear_rows_supported) or the shapes disagree.
  LinearRows(std::shared_ptr<const CsrMatrix> s, CsrMatrix x, OperatorSpec spec, std::vector<int32_t> rows);

  int64_t rows() const { return int64_t(rows_.size()); }
  int64_t cols() const { return x_.cols; }

  // (op(S, X)[rows]) W for W of cols() rows: the operator on X W.
  DenseMatrix times(DenseView w) const;

 private:
  std::shared_ptr<const CsrMatrix> s_;
  CsrMatrix x_;
  OperatorSpec spec_;
  std::vector<int32_t> rows_;
};

// Whether op(S, X) W = op(S, X W) holds: output columns equal input columns
// (every operator but sign, whose hops sit side by side).
bool linear_rows_supported(const OperatorSpec& spec);

// Whether keeping rows as a LinearRows is worth it for n x d features: their
// dense fp32 form takes at least linear_rows_min_bytes(). Below that the
// materialised rows cost little and are simpler to read.
bool linear_rows_pay(int64_t n, int64_t d);
// 32 MiB unless set (tests set 0 to use LinearRows on small graphs).
int64_t linear_rows_min_bytes();
void set_linear_rows_min_bytes(int64_t bytes);

// Column block width for propagating rows from sparse X next to the state a
// LinearRows keeps (`state_bytes`: S and X): the widest multiple of the spmm
// panel width whose working memory (operator_memory_bytes on hop buffers of
// `hop_rows` rows, plus the block of X's `x_rows` rows densified when that
// is faster: out_of_core.h) is at most a quarter of that state, at least one
// panel and at most d;
// but no more than kMaxLeanBlocks blocks, since each block repeats a pass over
// S and over X's row pointers whatever its width (Coauthor CS, d = 6,805:
// 426 blocks of 16 took 2.2 s against 0.3 s whole; its sparse hops keep the
// wider blocks small anyway).
inline constexpr int64_t kMaxLeanBlocks = 16;
int64_t lean_block_width(const OperatorSpec& spec, int64_t hop_rows, int64_t x_rows, int64_t d, int64_t out_rows,
                         int64_t state_bytes);

}  // namespace sgc

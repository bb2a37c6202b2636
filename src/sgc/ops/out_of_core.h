// Out-of-core propagation: the operator run on column blocks of the features.
//
// Every registry operator is linear and acts on the columns of X
// independently (sum_k w_k S^k X column by column; sign concatenates the hops
// S^k X), so op(S, X)[:, B] = op(S, X[:, B]) for a block B of columns, and
// for an operator whose output has m d columns (m hops side by side) block B
// of hop h lands at columns h d + B. Working on w columns at a time needs
// 2 n w + out_rows m w floats instead of 2 n d + out_rows m d, so the width
// is chosen from the memory budget (util/budget.h), rounded down to a
// multiple of the spmm panel width (16 columns) so each column's sums are
// formed exactly as in one whole-width run: the result is bitwise the same.
//
// The features come from a memory-mapped feature store (io/feature_store.h),
// whose pages are dropped again after each block is copied out, from a dense
// view, from a sparse matrix, or from an owned dense matrix whose storage then
// receives the output (its columns are dead once their block is read).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sgc/io/feature_store.h"
#include "sgc/ops/operator.h"

namespace sgc {

// Columns per block are a multiple of this (the spmm panel width).
inline constexpr int64_t kColumnBlockAlign = 16;

// The features, handed out a column block at a time.
class ColumnSource {
 public:
  explicit ColumnSource(const MappedFeatures& x) : mapped_(&x) {}
  explicit ColumnSource(DenseView x) : view_(x) {}
  explicit ColumnSource(const CsrMatrix& x) : sparse_(&x) {}

  int64_t rows() const;
  int64_t cols() const;
  // Columns [c0, c0 + width) as an operator input: an owned dense copy, or
  // for sparse features a view of `holder`, which receives the block, or
  // with `densify` an owned dense copy of it as well.
  FeatureInput block(int64_t c0, int64_t width, CsrMatrix& holder, bool densify = false) const;
  bool sparse() const { return sparse_ != nullptr; }
  // Whether blocks of these sparse features multiply `product` faster dense
  // (dense_input_pays, spmm.h, at the features' mean density): decided once
  // for a run, so its working memory is known before it starts (a dense
  // block holds rows() x width floats).
  bool dense_blocks_pay(const CsrMatrix& product) const;

 private:
  const MappedFeatures* mapped_ = nullptr;
  std::optional<DenseView> view_;
  const CsrMatrix* sparse_ = nullptr;
};

// How a blocked run went: the block width, the number of blocks, and the
// matrices each block stored in 16 bits (OperatorResult::stored_16bit, the
// most of any block; -1 where the operator does not count them).
struct BlockedRun {
  int64_t block_cols = 0;
  int64_t blocks = 0;
  int stored_16bit = -1;
};

// The widest block (a multiple of kColumnBlockAlign, at most d, at least one
// panel) whose working memory, operator_memory_bytes(spec, n, width,
// out_rows) plus a dense copy of the input block (input_rows x width floats:
// a dense or mapped source's block, a densified sparse one), fits in
// `available` bytes; ResourceError naming `what` if not even one panel fits.
int64_t column_block_width(const OperatorSpec& spec, int64_t n, int64_t d, int64_t out_rows, int64_t available,
                           const std::string& what, int64_t input_rows = 0);

// op(S, X) of every node or of *rows, computed block by block; the output is
// held in memory (checked against the budget first). block_cols 0: the widest
// block that fits the budget beside the output. sparse_products: those of
// one whole-width run (the same products, split by columns).
OperatorResult run_operator_blocked(const CsrMatrix& s, const ColumnSource& x, const OperatorSpec& spec,
                                    const std::vector<int32_t>* rows = nullptr, int64_t block_cols = 0,
                                    BlockedRun* info = nullptr);

// The same on features the call owns: for an operator with d output columns
// and at most n output rows the output is written into x's own storage (no
// second n x d matrix); otherwise as run_operator_blocked on a view of x.
OperatorResult run_operator_blocked(const CsrMatrix& s, DenseMatrix x, const OperatorSpec& spec,
                                    const std::vector<int32_t>* rows = nullptr, int64_t block_cols = 0,
                                    BlockedRun* info = nullptr);

// The blocked run with its output in `out` (out_rows x output columns, a
// scratch file: MappedFeatures::scratch), each block's columns written a
// chunk of rows at a time and dropped from the resident set again, so the
// process holds S, one block's working memory and no n x d matrix. The
// widest block whose working memory fits `available` bytes. Returns the
// sparse products of one whole-width run.
int64_t run_operator_blocked_to(const CsrMatrix& s, const ColumnSource& x, const OperatorSpec& spec,
                                const std::vector<int32_t>* rows, MappedFeatures& out, int64_t available,
                                BlockedRun* info = nullptr);

// run_operator when its working memory fits the budget, else the blocked run
// on the same input: the result is bitwise the same either way.
OperatorResult run_operator_bounded(const CsrMatrix& s, FeatureInput x, const OperatorSpec& spec,
                                    const std::vector<int32_t>* rows = nullptr, BlockedRun* info = nullptr);

}  // namespace sgc

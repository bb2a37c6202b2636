#include "sgc/ops/out_of_core.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "sgc/error.h"
#include "sgc/ops/spmm.h"
#include "sgc/util/budget.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/progress.h"

namespace sgc {

int64_t ColumnSource::rows() const { return mapped_ ? mapped_->rows() : sparse_ ? sparse_->rows : view_->rows(); }
int64_t ColumnSource::cols() const { return mapped_ ? mapped_->cols() : sparse_ ? sparse_->cols : view_->cols(); }

bool ColumnSource::dense_blocks_pay(const CsrMatrix& product) const {
  return sparse_ && dense_input_pays(product, sparse_->rows, sparse_->cols, sparse_->nnz());
}

FeatureInput ColumnSource::block(int64_t c0, int64_t width, CsrMatrix& holder, bool densify) const {
  if (mapped_) {
    DenseMatrix b;
    mapped_->read_columns(c0, width, b);
    return FeatureInput(std::move(b));
  }
  if (view_) {
    const int64_t n = view_->rows(), d = view_->cols();
    DenseMatrix b(n, width);
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) std::memcpy(b.row(i).data(), view_->data() + i * d + c0, size_t(width) * 4);
    return FeatureInput(std::move(b));
  }
  // Sparse: the entries of the block's columns, renumbered from 0, in their
  // order. Columns are sorted within a row, so each row's block is one run
  // found by binary search: a pass over all blocks touches every entry once.
  const CsrMatrix& x = *sparse_;
  const auto first_at_or_after = [&](int64_t i, int64_t c) {
    const auto b = x.indices.begin();
    return std::lower_bound(b + x.indptr[size_t(i)], b + x.indptr[size_t(i) + 1], int32_t(std::min<int64_t>(c, INT32_MAX))) - b;
  };
  holder = CsrMatrix{};
  holder.rows = x.rows;
  holder.cols = width;
  holder.indptr.assign(size_t(x.rows) + 1, 0);
  std::vector<int64_t> start(size_t(x.rows));
#pragma omp parallel for schedule(static) if (x.nnz() > (int64_t(1) << 16))
  for (int64_t i = 0; i < x.rows; ++i) {
    start[size_t(i)] = first_at_or_after(i, c0);
    holder.indptr[size_t(i) + 1] = first_at_or_after(i, c0 + width) - start[size_t(i)];
  }
  for (int64_t i = 0; i < x.rows; ++i) holder.indptr[size_t(i) + 1] += holder.indptr[size_t(i)];
  if (densify) {
    DenseMatrix b(x.rows, width);
#pragma omp parallel for schedule(static) if (x.rows * width > (int64_t(1) << 16))
    for (int64_t i = 0; i < x.rows; ++i) {
      float* row = b.row(i).data();
      std::fill(row, row + width, 0.0f);
      const int64_t end = start[size_t(i)] + holder.indptr[size_t(i) + 1] - holder.indptr[size_t(i)];
      for (int64_t src = start[size_t(i)]; src < end; ++src) row[x.indices[size_t(src)] - c0] = x.values[size_t(src)];
    }
    holder = CsrMatrix{};
    return FeatureInput(std::move(b));
  }
  holder.indices.resize(size_t(holder.indptr.back()));
  holder.values.resize(size_t(holder.indptr.back()));
#pragma omp parallel for schedule(static) if (x.nnz() > (int64_t(1) << 16))
  for (int64_t i = 0; i < x.rows; ++i)
    for (int64_t e = holder.indptr[size_t(i)], src = start[size_t(i)]; e < holder.indptr[size_t(i) + 1]; ++e, ++src) {
      holder.indices[size_t(e)] = int32_t(x.indices[size_t(src)] - c0);
      holder.values[size_t(e)] = x.values[size_t(src)];
    }
  return FeatureInput(static_cast<const CsrMatrix&>(holder));
}

int64_t column_block_width(const OperatorSpec& spec, int64_t n, int64_t d, int64_t out_rows, int64_t available,
                           const std::string& what, int64_t input_rows) {
  const int64_t panel = std::min(d, kColumnBlockAlign);
  const int64_t input = 4 * std::max<int64_t>(input_rows, 0);
  const int64_t hops = operator_memory_bytes(spec, n, panel, out_rows);
  const int64_t per_panel = hops < 0 ? -1 : hops + input * panel;
  if (per_panel < 0 || per_panel > available)
    throw ResourceError(what + ": even one block of " + std::to_string(panel) + " columns needs " +
                        format_bytes(per_panel) + ", above the " + format_bytes(std::max<int64_t>(available, 0)) +
                        " left of the memory budget (" + format_bytes(memory_budget()) +
                        "); raise --memory-limit or $SGC_MEMORY_LIMIT");
  if (d <= kColumnBlockAlign) return d;
  const int64_t per_column = std::max<int64_t>(1, operator_memory_bytes(spec, n, 1, out_rows) + input);
  const int64_t width = std::min(d, available / per_column);
  return width >= d ? d : std::max(kColumnBlockAlign, width / kColumnBlockAlign * kColumnBlockAlign);
}

namespace {

std::string describe(const OperatorSpec& spec, int64_t n, int64_t d) {
  return "operator " + operator_summary(spec) + " on " + std::to_string(n) + " x " + std::to_string(d) +
         " features, in column blocks";
}

// Runs op on each block of `source`, handing each block's output to `place`.
template <class Place>
int64_t for_each_block(const CsrMatrix& s, const ColumnSource& source, const OperatorSpec& spec,
                       const std::vector<int32_t>* rows, int64_t width, BlockedRun* info, const Place& place) {
  const int64_t d = source.cols();
  int64_t products = 0, blocks = 0;
  int stored_16bit = -1;
  CsrMatrix holder;
  const bool densify = source.dense_blocks_pay(s);
  // The enclosing progress stage counted one whole-width run's products.
  progress_add_total((std::max<int64_t>(1, (d + width - 1) / width) - 1) * planned_sparse_products(spec));
  for (int64_t c0 = 0; c0 < d; c0 += width) {
    check_interrupt();
    const int64_t w = std::min(width, d - c0);
    OperatorResult r = run_operator(s, source.block(c0, w, holder, densify), spec, rows);
    products = r.sparse_products;
    stored_16bit = std::max(stored_16bit, r.stored_16bit);
    place(c0, w, r.features);
    ++blocks;
  }
  if (info) *info = {width, blocks, stored_16bit};
  return products;
}

}  // namespace

OperatorResult run_operator_blocked(const CsrMatrix& s, const ColumnSource& x, const OperatorSpec& spec,
                                    const std::vector<int32_t>* rows, int64_t block_cols, BlockedRun* info) {
  validate_operator(spec);
  require_operator_products(spec, "operator " + operator_summary(spec));
  const int64_t n = x.rows(), d = x.cols(), out_rows = rows ? int64_t(rows->size()) : s.rows;
  const int64_t out_cols = operator_output_columns(spec, d), hops = d > 0 ? out_cols / d : 1;
  const std::string what = describe(spec, n, d);
  const int64_t out_bytes = out_rows * out_cols * int64_t(sizeof(float));
  require_memory(out_bytes, what + " (output " + std::to_string(out_rows) + " x " + std::to_string(out_cols) + ")");
  const int64_t width =
      block_cols > 0 ? std::min(block_cols, std::max<int64_t>(d, 1))
                     : column_block_width(spec, n, d, out_rows, memory_budget() - out_bytes, what,
                                          x.dense_blocks_pay(s) ? n : 0);
  OperatorResult out;
  out.features.resize(out_rows, out_cols);
  BlockedRun run;
  out.sparse_products = for_each_block(s, x, spec, rows, width, &run, [&](int64_t c0, int64_t w, const DenseMatrix& y) {
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < out_rows; ++r)
      for (int64_t h = 0; h < hops; ++h)
        std::memcpy(out.features.row(r).data() + h * d + c0, y.row(r).data() + h * w, size_t(w) * 4);
  });
  out.stored_16bit = run.stored_16bit;
  if (info) *info = run;
  return out;
}

OperatorResult run_operator_blocked(const CsrMatrix& s, DenseMatrix x, const OperatorSpec& spec,
                                    const std::vector<int32_t>* rows, int64_t block_cols, BlockedRun* info) {
  const int64_t n = x.rows(), d = x.cols(), out_rows = rows ? int64_t(rows->size()) : s.rows;
  if (operator_output_columns(spec, d) != d || out_rows > n) {
    const DenseMatrix held = std::move(x);
    return run_operator_blocked(s, ColumnSource(view_of(held)), spec, rows, block_cols, info);
  }
  validate_operator(spec);
  require_operator_products(spec, "operator " + operator_summary(spec));
  const std::string what = describe(spec, n, d);
  const int64_t width = block_cols > 0 ? std::min(block_cols, std::max<int64_t>(d, 1))
                                       : column_block_width(spec, n, d, out_rows,
                                                            memory_budget() - n * d * int64_t(sizeof(float)), what);
  // Output row r, columns B, goes to x's row r, columns B: those columns of x
  // were copied out for this block and are not read again.
  const DenseView source(x.data(), n, d);
  OperatorResult out;
  BlockedRun run;
  out.sparse_products =
      for_each_block(s, ColumnSource(source), spec, rows, width, &run, [&](int64_t c0, int64_t w, const DenseMatrix& y) {
#pragma omp parallel for schedule(static)
        for (int64_t r = 0; r < out_rows; ++r) std::memcpy(x.row(r).data() + c0, y.row(r).data(), size_t(w) * 4);
      });
  if (out_rows < n) x.conservativeResize(out_rows, d);
  out.features = std::move(x);
  out.stored_16bit = run.stored_16bit;
  if (info) *info = run;
  return out;
}

int64_t run_operator_blocked_to(const CsrMatrix& s, const ColumnSource& x, const OperatorSpec& spec,
                                const std::vector<int32_t>* rows, MappedFeatures& out, int64_t available,
                                BlockedRun* info) {
  validate_operator(spec);
  require_operator_products(spec, "operator " + operator_summary(spec));
  const int64_t n = x.rows(), d = x.cols(), out_rows = rows ? int64_t(rows->size()) : s.rows;
  const int64_t out_cols = operator_output_columns(spec, d), hops = d > 0 ? out_cols / d : 1;
  if (out.rows() != out_rows || out.cols() != out_cols)
    throw ArgumentError("run_operator_blocked_to: the output is " + std::to_string(out.rows()) + " x " +
                        std::to_string(out.cols()) + ", expected " + std::to_string(out_rows) + " x " +
                        std::to_string(out_cols));
  const int64_t width =
      column_block_width(spec, n, d, out_rows, available, describe(spec, n, d), x.dense_blocks_pay(s) ? n : 0);
  float* dst = out.mutable_data();
  const int64_t chunk = std::max<int64_t>(1, (int64_t(64) << 20) / std::max<int64_t>(1, out_cols * 4));
  return for_each_block(s, x, spec, rows, width, info, [&](int64_t c0, int64_t w, const DenseMatrix& y) {
    for (int64_t r0 = 0; r0 < out_rows; r0 += chunk) {
      const int64_t r1 = std::min(out_rows, r0 + chunk);
#pragma omp parallel for schedule(static)
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t h = 0; h < hops; ++h)
          std::memcpy(dst + r * out_cols + h * d + c0, y.row(r).data() + h * w, size_t(w) * 4);
      out.release_rows(r0, r1);
      check_interrupt();  // one block writes every row of a file that may be far larger than memory
    }
  });
}

OperatorResult run_operator_bounded(const CsrMatrix& s, FeatureInput x, const OperatorSpec& spec,
                                    const std::vector<int32_t>* rows, BlockedRun* info) {
  const int64_t out_rows = rows ? int64_t(rows->size()) : s.rows;
  const int64_t need = operator_memory_bytes(spec, x.rows(), x.cols(), out_rows);
  if (need >= 0 && need <= memory_budget()) {
    const int64_t cols = x.cols();
    OperatorResult r = run_operator(s, std::move(x), spec, rows);
    if (info) *info = {cols, 1, r.stored_16bit};
    return r;
  }
  if (x.sparse) return run_operator_blocked(s, ColumnSource(*x.sparse), spec, rows, 0, info);
  if (x.view) return run_operator_blocked(s, ColumnSource(*x.view), spec, rows, 0, info);
  return run_operator_blocked(s, std::move(x.dense), spec, rows, 0, info);
}

}  // namespace sgc

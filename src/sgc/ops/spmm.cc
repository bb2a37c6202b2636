#include "sgc/util/interrupt.h"
#include "sgc/ops/spmm.h"

#include <omp.h>

#include <algorithm>
#include <memory>
#include <new>

#include "sgc/error.h"

namespace sgc {

std::vector<int64_t> balanced_row_partition(const CsrMatrix& a, int parts) {
  parts = std::max(1, parts);
  const int64_t total = a.nnz() + a.rows;
  std::vector<int64_t> bounds{0};
  int64_t row = 0;
  for (int p = 1; p < parts; ++p) {
    const int64_t target = total * p / parts;
    // First row whose cumulative (nnz + rows) reaches the target.
    while (row < a.rows && a.indptr[row] + row < target) ++row;
    if (row > bounds.back()) bounds.push_back(row);
  }
  if (bounds.back() != a.rows) bounds.push_back(a.rows);
  return bounds;
}

namespace {
void check_shapes(const CsrMatrix& a, int64_t x_rows) {
  if (a.cols != x_rows)
    throw ArgumentError("spmm: matrix has " + std::to_string(a.cols) + " columns but features have " +
                        std::to_string(x_rows) + " rows");
}

// Several chunks per thread so dynamic scheduling can even out the rest.
int chunk_count() { return 8 * omp_get_max_threads(); }

// Below this many multiply-adds a product runs on one thread: waking the team
// costs more than it saves (and much more on a busy machine).
bool worth_threads(int64_t work) { return work > (int64_t(1) << 18); }

// Software prefetch: the rows of x a row of a gathers are scattered, so the
// hardware prefetcher only catches on a few cache lines into each. Asking for
// the first lines of the row two non-zeros ahead hides that latency; this
// made one hop 1.8x faster on the Reddit-shaped graph (100k nodes, median of
// 5 interleaved runs; distances 1-4 and 4-38 lines were tried).
constexpr int64_t kPrefetchDistance = 2;
constexpr int kPrefetchLines = 4;

// out[0..d) = sum over row i of a of a_ij * x.row(j), in index order.
inline void row_times_dense(const CsrMatrix& a, int64_t i, DenseView x, float* out) {
  const Eigen::Index d = x.cols();
  const int64_t nnz = a.nnz();
  std::fill(out, out + d, 0.0f);
  for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
    if (p + kPrefetchDistance < nnz) {
      const char* ahead = reinterpret_cast<const char*>(x.data() + int64_t(a.indices[p + kPrefetchDistance]) * d);
      for (int line = 0; line < kPrefetchLines; ++line) __builtin_prefetch(ahead + 64 * line, 0, 3);
    }
    const float v = a.values[p];
    const float* in = x.data() + int64_t(a.indices[p]) * d;
#pragma omp simd
    for (Eigen::Index j = 0; j < d; ++j) out[j] += v * in[j];
  }
}

// Column panels. When X is far larger than the cache, every row a non-zero
// gathers comes from DRAM, and the hardware can only overlap so many of those
// scattered reads. Running the product over panels of kPanelWidth columns —
// the panel packed contiguously, one cache line per node — turns each gather
// into a single line that is often still cached, and makes it cheap to
// prefetch far ahead; the CSR arrays are streamed once per panel. Each output
// element sums the same products in the same order as the row kernel.
// One hop on the Reddit-shaped graph (233k nodes, 22.4M non-zeros, d = 602,
// 2 threads): 2.6-2.9x faster than whole rows (medians of 5 interleaved runs;
// widths 16-128 and prefetch distances 8-128 non-zeros were tried, and 16
// columns 96 non-zeros ahead was among the fastest).
constexpr int64_t kPanelWidth = 16;  // one cache line of floats
constexpr int64_t kPanelPrefetch = 96;

// Rows [r0, r1) of the selection (rows == nullptr: rows r0..r1 of a) for the
// panel `panel` (a.cols x kPanelWidth), columns [c0, c0 + width) of y.
void panel_rows(const CsrMatrix& a, const float* panel, const int32_t* rows, int64_t r0, int64_t r1, float* y,
                int64_t y_stride, int64_t c0, int64_t width) {
  const int64_t nnz = a.nnz();
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t i = rows ? rows[r] : r;
    float acc[kPanelWidth] = {};
    for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
      if (p + kPanelPrefetch < nnz) __builtin_prefetch(panel + int64_t(a.indices[p + kPanelPrefetch]) * kPanelWidth, 0, 3);
      const float v = a.values[p];
      const float* in = panel + int64_t(a.indices[p]) * kPanelWidth;
#pragma omp simd
      for (int64_t j = 0; j < kPanelWidth; ++j) acc[j] += v * in[j];
    }
    std::copy(acc, acc + width, y + r * y_stride + c0);
  }
}

// y (selection rows x d) = (a x) on the selected rows, panel by panel; the
// selection is split into the chunks `bounds` (indices into rows, or rows of a).
void spmm_by_panels(const CsrMatrix& a, DenseView x, const int32_t* rows, const std::vector<int64_t>& bounds,
                    DenseMatrix& y, bool threads) {
  const int64_t n = x.rows(), d = x.cols();
  const int64_t chunks = static_cast<int64_t>(bounds.size()) - 1;
  std::unique_ptr<float[]> panel(new (std::align_val_t(64)) float[n * kPanelWidth]);
  for (int64_t c0 = 0; c0 < d; c0 += kPanelWidth) {
    const int64_t width = std::min(kPanelWidth, d - c0);
#pragma omp parallel if (threads)
    {
#pragma omp for schedule(static)
      for (int64_t j = 0; j < n; ++j) {
        float* dst = panel.get() + j * kPanelWidth;
        std::copy(x.data() + j * d + c0, x.data() + j * d + c0 + width, dst);
        std::fill(dst + width, dst + kPanelWidth, 0.0f);
      }
#pragma omp for schedule(dynamic, 1)
      for (int64_t c = 0; c < chunks; ++c)
        panel_rows(a, panel.get(), rows, bounds[c], bounds[c + 1], y.data(), d, c0, width);
    }
  }
}

// Panels pay when X is beyond the cache and rows are long enough for the
// cheaper gathers to outweigh streaming the CSR arrays once per panel. With
// d = 602 (bench/reorder_bench): Reddit-shaped, 97 non-zeros a row, panels
// 2.9x faster; Amazon Computers, 37 a row, 1.7x; Coauthor CS, 10 a row, 1.08x;
// soc-Slashdot, 13 a row, 0.92x; Pubmed, 5.5 a row, 0.76x.
bool use_panels(const CsrMatrix& a, DenseView x, SpmmKernel kernel) {
  if (kernel != SpmmKernel::Auto) return kernel == SpmmKernel::Panels;
  return x.cols() >= 4 * kPanelWidth && x.size() * int64_t(sizeof(float)) > (int64_t(16) << 20) &&
         a.nnz() >= 16 * a.rows;
}
}  // namespace

void spmm(const CsrMatrix& a, DenseView x, DenseMatrix& y, SpmmKernel kernel) {
  check_interrupt();  // every operator is a sequence of these products
  check_shapes(a, x.rows());
  y.resize(a.rows, x.cols());
  const auto bounds = balanced_row_partition(a, chunk_count());
  const bool threads = worth_threads(a.nnz() * x.cols());
  if (use_panels(a, x, kernel)) {
    spmm_by_panels(a, x, nullptr, bounds, y, threads);
    return;
  }
  const int64_t chunks = static_cast<int64_t>(bounds.size()) - 1;
#pragma omp parallel for schedule(dynamic, 1) if (threads)
  for (int64_t c = 0; c < chunks; ++c)
    for (int64_t i = bounds[c]; i < bounds[c + 1]; ++i) row_times_dense(a, i, x, y.data() + i * x.cols());
}

void spmm_rows(const CsrMatrix& a, DenseView x, const std::vector<int32_t>& rows, DenseMatrix& y, SpmmKernel kernel) {
  check_interrupt();  // every operator is a sequence of these products
  check_shapes(a, x.rows());
  for (int32_t r : rows)
    if (r < 0 || r >= a.rows) throw ArgumentError("spmm_rows: row " + std::to_string(r) + " out of range");
  const int64_t m = static_cast<int64_t>(rows.size());
  y.resize(m, x.cols());
  const bool threads = worth_threads(m * x.cols() * (a.nnz() / std::max<int64_t>(1, a.rows)));
  if (use_panels(a, x, kernel)) {
    std::vector<int64_t> bounds;
    for (int64_t r = 0; r < m; r += 256) bounds.push_back(r);
    bounds.push_back(m);
    spmm_by_panels(a, x, rows.data(), bounds, y, threads);
    return;
  }
#pragma omp parallel for schedule(dynamic, 64) if (threads)
  for (int64_t r = 0; r < m; ++r) row_times_dense(a, rows[r], x, y.data() + r * x.cols());
}

void spmm(const CsrMatrix& a, const CsrMatrix& x, DenseMatrix& y) {
  check_interrupt();  // every operator is a sequence of these products
  check_shapes(a, x.rows);
  y.setZero(a.rows, x.cols);
  const auto bounds = balanced_row_partition(a, chunk_count());
  const int64_t chunks = static_cast<int64_t>(bounds.size()) - 1;
  const int64_t d = x.cols;
#pragma omp parallel for schedule(dynamic, 1) if (worth_threads(a.nnz() * (x.nnz() / std::max<int64_t>(1, x.rows))))
  for (int64_t c = 0; c < chunks; ++c) {
    for (int64_t i = bounds[c]; i < bounds[c + 1]; ++i) {
      float* out = y.data() + i * d;
      for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
        const float v = a.values[p];
        const int32_t j = a.indices[p];
        for (int64_t q = x.indptr[j]; q < x.indptr[j + 1]; ++q) out[x.indices[q]] += v * x.values[q];
      }
    }
  }
}

}  // namespace sgc

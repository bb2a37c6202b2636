#include "sgc/ops/spmm.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "sgc/error.h"
#include "sgc/ops/spmm_plan.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/progress.h"

namespace sgc {

using kernels::Storage;

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

void check_rows(const CsrMatrix& a, const std::vector<int32_t>& rows) {
  for (int32_t r : rows)
    if (r < 0 || r >= a.rows) throw ArgumentError("spmm_rows: row " + std::to_string(r) + " out of range");
}

// Several chunks per thread so dynamic scheduling can even out the rest.
int chunk_count() { return 8 * omp_get_max_threads(); }

// Below this many multiply-adds a product runs on one thread: waking the team
// costs more than it saves (and much more on a busy machine).
bool worth_threads(int64_t work) { return work > (int64_t(1) << 18); }

int64_t bytes_of(Storage s) { return s == Storage::F32 ? 4 : 2; }

kernels::Csr arrays_of(const CsrMatrix& a) { return {a.indptr.data(), a.indices.data(), a.values.data(), a.nnz()}; }

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// y (m x d, stored as yt) = rows of a x: every row of a (rows == nullptr) or
// rows[0..m). Whole rows or column panels as plan_spmm says; the chunks are
// balanced by non-zeros (all rows) or 256 selected rows each.
void product(const CsrMatrix& a, const void* x, Storage xt, int64_t n, int64_t d, const int32_t* rows, int64_t m,
             void* y, Storage yt, SpmmKernel kernel) {
  const kernels::KernelTable& k = kernels::active();
  const kernels::Csr csr = arrays_of(a);
  const int64_t mean_row = a.nnz() / std::max<int64_t>(1, a.rows);
  const bool threads = worth_threads(rows ? m * d * mean_row : a.nnz() * d);
  const SpmmPlan plan = plan_spmm(a.rows, a.nnz(), n, d, bytes_of(xt), threads ? omp_get_max_threads() : 1, kernel);
  std::vector<int64_t> bounds;
  if (rows) {
    for (int64_t r = 0; r < m; r += 256) bounds.push_back(r);
    bounds.push_back(m);
  } else {
    bounds = balanced_row_partition(a, chunk_count());
  }
  const int64_t chunks = static_cast<int64_t>(bounds.size()) - 1;
  if (!plan.panels) {
#pragma omp parallel if (threads)
    {
      std::vector<float> scratch(size_t(2 * d));
#pragma omp for schedule(dynamic, 1)
      for (int64_t c = 0; c < chunks; ++c)
        k.spmm_rows(csr, x, xt, d, rows, bounds[c], bounds[c + 1], y, yt, d, scratch.data(), plan.row_prefetch,
                    plan.row_prefetch_lines);
    }
    return;
  }
  // Panels keep X's storage: 16-bit X gives panels twice as wide for the
  // same cache, so half the passes over a.
  const int64_t width = plan.panel_width;
  const size_t panel_bytes = (size_t(n * width * bytes_of(xt)) + 63) / 64 * 64;
  std::unique_ptr<void, FreeDeleter> panel(std::aligned_alloc(64, std::max<size_t>(64, panel_bytes)));
  if (!panel) throw std::bad_alloc();
  const int64_t pack_block = 1024;
  const int64_t pack_blocks = (n + pack_block - 1) / pack_block;
  for (int64_t c0 = 0; c0 < d; c0 += width) {
    const int64_t w = std::min(width, d - c0);
#pragma omp parallel if (threads)
    {
#pragma omp for schedule(static)
      for (int64_t b = 0; b < pack_blocks; ++b)
        k.pack_panel(x, xt, d, b * pack_block, std::min(n, (b + 1) * pack_block), c0, w, panel.get(), width);
#pragma omp for schedule(dynamic, 1)
      for (int64_t c = 0; c < chunks; ++c)
        k.spmm_panel(csr, panel.get(), xt, width, rows, bounds[c], bounds[c + 1], y, yt, d, c0, w, plan.panel_prefetch);
    }
  }
}
}  // namespace

void spmm(const CsrMatrix& a, DenseView x, DenseMatrix& y, SpmmKernel kernel) {
  check_interrupt();  // every operator is a sequence of these products
  check_shapes(a, x.rows());
  y.resize(a.rows, x.cols());
  product(a, x.data(), Storage::F32, x.rows(), x.cols(), nullptr, a.rows, y.data(), Storage::F32, kernel);
  progress_tick();  // one hop of the enclosing stage (util/progress.h)
}

void spmm_rows(const CsrMatrix& a, DenseView x, const std::vector<int32_t>& rows, DenseMatrix& y, SpmmKernel kernel) {
  check_interrupt();
  check_shapes(a, x.rows());
  check_rows(a, rows);
  const int64_t m = static_cast<int64_t>(rows.size());
  y.resize(m, x.cols());
  if (m == 0) return;  // an empty subset (rows.data() may be null, which product() reads as "every row")
  product(a, x.data(), Storage::F32, x.rows(), x.cols(), rows.data(), m, y.data(), Storage::F32, kernel);
  progress_tick();
}

void spmm_stored(const CsrMatrix& a, const void* x, Storage xt, int64_t d, const std::vector<int32_t>* rows, void* y,
                 Storage yt, SpmmKernel kernel) {
  check_interrupt();
  if (rows) check_rows(a, *rows);
  const int64_t m = rows ? static_cast<int64_t>(rows->size()) : a.rows;
  if (m == 0) return;  // an empty subset must not read as "every row" below
  product(a, x, xt, a.cols, d, rows ? rows->data() : nullptr, m, y, yt, kernel);
  progress_tick();
}

void spmm_stored(const CsrMatrix& a, const CsrMatrix& x, void* y, Storage yt) {
  check_interrupt();
  check_shapes(a, x.rows);
  const kernels::KernelTable& k = kernels::active();
  const kernels::Csr ca = arrays_of(a), cx = arrays_of(x);
  const auto bounds = balanced_row_partition(a, chunk_count());
  const int64_t chunks = static_cast<int64_t>(bounds.size()) - 1;
  const int64_t d = x.cols;
#pragma omp parallel if (worth_threads(a.nnz() * (x.nnz() / std::max<int64_t>(1, x.rows))))
  {
    std::vector<float> scratch(static_cast<size_t>(d));
#pragma omp for schedule(dynamic, 1)
    for (int64_t c = 0; c < chunks; ++c) k.spmm_sparse(ca, cx, d, bounds[c], bounds[c + 1], y, yt, scratch.data());
  }
  progress_tick();
}

bool dense_input_pays(const CsrMatrix& a, int64_t x_rows, int64_t x_cols, int64_t x_nnz) {
  if (x_rows <= 0 || x_cols <= 0) return false;
  const kernels::Isa isa = kernels::active().isa;
  const double lanes = isa == kernels::Isa::Avx512 ? 16 : isa == kernels::Isa::Avx2 ? 8 : 4;  // baseline: SSE2
  const double sparse = double(a.nnz()) * double(x_nnz) / double(x_rows);
  const double dense = (double(a.nnz()) + double(x_rows)) * double(x_cols) / lanes;
  return dense < sparse;
}

void spmm(const CsrMatrix& a, const CsrMatrix& x, DenseMatrix& y) {
  y.resize(a.rows, x.cols);
  spmm_stored(a, x, y.data(), Storage::F32);
}

}  // namespace sgc

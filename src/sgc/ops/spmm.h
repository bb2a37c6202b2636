// Sparse x dense products, the one kernel all propagation operators share.
//
// Y = A X with A in CSR and X dense row-major: row i of Y is the weighted sum
// of the rows of X that row i of A points to. Rows are split among OpenMP
// threads in chunks of roughly equal non-zero count (power-law graphs have a
// few very long rows), and each row is computed by one thread in index order,
// so the result is bitwise identical for any thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/kernels/kernel_table.h"

namespace sgc {

// Boundaries of `parts` row ranges with about equal (non-zeros + rows) each.
std::vector<int64_t> balanced_row_partition(const CsrMatrix& a, int parts);

// Rows: each output row gathers whole rows of x. Panels: the same sums, in
// the same order, over column panels of x packed to stay in cache (for x
// much larger than the cache). Auto picks by the size of x against the
// host's caches and the mean row length of a (spmm_plan.h). Each kernel is
// bitwise deterministic for any thread count; the two agree to float
// rounding. The loops run in the kernel variant chosen for the CPU
// (kernels/kernel_table.h), which may round differently from another variant.
enum class SpmmKernel { Auto, Rows, Panels };

// A read-only row-major view of dense features held elsewhere (a numpy
// buffer, a DenseMatrix): the products read it in place.
using DenseView = Eigen::Map<const DenseMatrix>;
inline DenseView view_of(const DenseMatrix& x) { return DenseView(x.data(), x.rows(), x.cols()); }

// y = a * x. y is resized; it must not alias x.
void spmm(const CsrMatrix& a, DenseView x, DenseMatrix& y, SpmmKernel kernel = SpmmKernel::Auto);
inline void spmm(const CsrMatrix& a, const DenseMatrix& x, DenseMatrix& y, SpmmKernel kernel = SpmmKernel::Auto) {
  spmm(a, view_of(x), y, kernel);
}

// y.row(r) = (a * x).row(rows[r]): only the rows a caller needs (the last hop
// of SGC only has to produce the train/val/test rows).
void spmm_rows(const CsrMatrix& a, DenseView x, const std::vector<int32_t>& rows, DenseMatrix& y,
               SpmmKernel kernel = SpmmKernel::Auto);
inline void spmm_rows(const CsrMatrix& a, const DenseMatrix& x, const std::vector<int32_t>& rows, DenseMatrix& y,
                      SpmmKernel kernel = SpmmKernel::Auto) {
  spmm_rows(a, view_of(x), rows, y, kernel);
}

// y = a * x for a sparse x (CSR): the cheap first hop on sparse features such
// as Planetoid's bag-of-words; costs nnz(a) * (mean non-zeros of a row of x).
void spmm(const CsrMatrix& a, const CsrMatrix& x, DenseMatrix& y);

// The same products on features stored in 16 bits (or fp32), accumulated in
// fp32: y (rows ? rows->size() : a.rows) x d, stored as yt, preallocated by
// the caller; x is a.cols x d stored as xt. Must not alias.
void spmm_stored(const CsrMatrix& a, const void* x, kernels::Storage xt, int64_t d, const std::vector<int32_t>* rows,
                 void* y, kernels::Storage yt, SpmmKernel kernel = SpmmKernel::Auto);
void spmm_stored(const CsrMatrix& a, const CsrMatrix& x, void* y, kernels::Storage yt);

// Whether a * x runs faster with the sparse x (x_rows x x_cols, x_nnz
// entries) densified first. The sparse kernel does one scattered multiply-add
// per entry of a and entry of the row of x it names, about nnz(a) x_nnz /
// x_rows in all; the dense kernel one vector of the active variant's float
// lanes (4, 8 or 16) per entry of a and x_cols / lanes columns, plus the
// writes that densify x: (nnz(a) + x_rows) x_cols / lanes. Narrow column
// blocks of TF-IDF features (Pubmed: 32 columns, 5 entries a row) run 2-2.5x
// faster dense; whole bag-of-words matrices (Cora, 1.3% dense) stay sparse.
bool dense_input_pays(const CsrMatrix& a, int64_t x_rows, int64_t x_cols, int64_t x_nnz);

}  // namespace sgc

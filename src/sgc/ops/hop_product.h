// The one product every propagation operator is built from: Y = S X on the
// rows of S and X this process holds.
//
// In one process S is a CsrMatrix in memory and a hop is spmm (spmm.h); a
// HopProduct made from a CsrMatrix is a pointer to it (the conversion is
// implicit, so every caller that has S passes it as before, at no cost).
// Split over processes, each holds a block of rows of S and X, and a hop
// also has to bring in the rows of X its rows of S point to elsewhere (the
// halo): such a product is a HopBackend, implemented where the transport is
// (sgc/dist/dist_product.h, MPI). The operators (operator.h), visit_hops and
// propagate only see this class, so every operator runs either way.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/spmm.h"

namespace sgc {

// S X for a block of rows of S held by this process, X given by the same rows.
class HopBackend {
 public:
  virtual ~HopBackend() = default;
  virtual int64_t rows() const = 0;  // rows of S (and of X) held here
  virtual void apply(DenseView x, DenseMatrix& y) const = 0;
  // y.row(r) = (S X).row(rows[r]) (row ids local to this process).
  virtual void apply_rows(DenseView x, const std::vector<int32_t>& rows, DenseMatrix& y) const = 0;
  virtual void apply(const CsrMatrix& x, DenseMatrix& y) const = 0;
};

class HopProduct {
 public:
  HopProduct(const CsrMatrix& s) : local_(&s) {}  // NOLINT: implicit on purpose (see above)
  explicit HopProduct(const HopBackend& b) : backend_(&b) {}

  // Rows of the output (of S held here) and rows X must have.
  int64_t rows() const { return local_ ? local_->rows : backend_->rows(); }
  int64_t cols() const { return local_ ? local_->cols : backend_->rows(); }
  // The whole S when it is in this process's memory, else null.
  const CsrMatrix* local() const { return local_; }

  // y = S x (y is resized; it must not alias x).
  void apply(DenseView x, DenseMatrix& y) const {
    if (local_)
      spmm(*local_, x, y);
    else
      backend_->apply(x, y);
  }
  void apply(const DenseMatrix& x, DenseMatrix& y) const { apply(view_of(x), y); }
  // y.row(r) = (S x).row(rows[r]).
  void apply_rows(DenseView x, const std::vector<int32_t>& rows, DenseMatrix& y) const {
    if (local_)
      spmm_rows(*local_, x, rows, y);
    else
      backend_->apply_rows(x, rows, y);
  }
  void apply_rows(const DenseMatrix& x, const std::vector<int32_t>& rows, DenseMatrix& y) const {
    apply_rows(view_of(x), rows, y);
  }
  // y = S x for sparse x (the sparse-feature kernel).
  void apply(const CsrMatrix& x, DenseMatrix& y) const {
    if (local_)
      spmm(*local_, x, y);
    else
      backend_->apply(x, y);
  }

 private:
  const CsrMatrix* local_ = nullptr;
  const HopBackend* backend_ = nullptr;
};

}  // namespace sgc

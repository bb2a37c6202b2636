#include "sgc/ops/propagate.h"

#include <utility>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/spmm.h"

namespace sgc {

namespace {
void check_k(int k) {
  if (k < 0) throw ArgumentError("--k: number of propagation steps must be >= 0, got " + std::to_string(k));
}
}  // namespace

DenseMatrix propagate(const CsrMatrix& s, DenseMatrix x, int k) {
  check_k(k);
  DenseMatrix tmp;
  for (int hop = 0; hop < k; ++hop) {
    spmm(s, x, tmp);
    std::swap(x, tmp);
  }
  return x;
}

DenseMatrix propagate(const CsrMatrix& s, const CsrMatrix& x, int k) {
  check_k(k);
  if (k == 0) return to_dense(x);
  DenseMatrix first;
  spmm(s, x, first);
  return propagate(s, std::move(first), k - 1);
}

DenseMatrix propagate_rows(const CsrMatrix& s, DenseMatrix x, int k, const std::vector<int32_t>& rows) {
  check_k(k);
  if (k == 0) return gather_rows(x, rows);
  DenseMatrix y;
  spmm_rows(s, propagate(s, std::move(x), k - 1), rows, y);
  return y;
}

DenseMatrix propagate_rows(const CsrMatrix& s, const CsrMatrix& x, int k, const std::vector<int32_t>& rows) {
  check_k(k);
  if (k <= 1) return gather_rows(propagate(s, x, k), rows);
  DenseMatrix y;
  spmm_rows(s, propagate(s, x, k - 1), rows, y);
  return y;
}

}  // namespace sgc

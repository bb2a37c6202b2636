// Dense matrices: Eigen, row-major, so one node's feature vector is contiguous
// (the propagation kernel gathers whole rows).
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "sgc/error.h"

namespace sgc {

using DenseMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using DenseMatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Rows `ids` of x, in that order; throws sgc::ArgumentError for an id out of range.
inline DenseMatrix gather_rows(const DenseMatrix& x, const std::vector<int32_t>& ids) {
  for (int32_t v : ids)
    if (v < 0 || v >= x.rows()) throw ArgumentError("node id " + std::to_string(v) + " out of range");
  DenseMatrix out(static_cast<Eigen::Index>(ids.size()), x.cols());
  // In parallel: a few hundred MB for Reddit's training rows.
#pragma omp parallel for schedule(static) if (out.size() > (int64_t(1) << 20))
  for (int64_t r = 0; r < int64_t(ids.size()); ++r) out.row(Eigen::Index(r)) = x.row(ids[size_t(r)]);
  return out;
}

// Appends `bottom`'s rows below `top`'s. A row-major resize keeps top's rows in
// place (a realloc, no copy); bottom is copied in parallel (Reddit's
// evaluation rows are about 190 MB of fresh pages).
inline void append_rows(DenseMatrix& top, const DenseMatrix& bottom) {
  if (top.cols() != bottom.cols())
    throw ArgumentError("append_rows: " + std::to_string(top.cols()) + " columns above, " +
                        std::to_string(bottom.cols()) + " below");
  const int64_t first = top.rows();
  top.conservativeResize(first + bottom.rows(), Eigen::NoChange);
#pragma omp parallel for schedule(static) if (bottom.size() > (int64_t(1) << 20))
  for (int64_t r = 0; r < int64_t(bottom.rows()); ++r) top.row(Eigen::Index(first + r)) = bottom.row(Eigen::Index(r));
}

}  // namespace sgc

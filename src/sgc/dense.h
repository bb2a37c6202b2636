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
  DenseMatrix out(static_cast<Eigen::Index>(ids.size()), x.cols());
  for (size_t r = 0; r < ids.size(); ++r) {
    if (ids[r] < 0 || ids[r] >= x.rows()) throw ArgumentError("node id " + std::to_string(ids[r]) + " out of range");
    out.row(Eigen::Index(r)) = x.row(ids[r]);
  }
  return out;
}

}  // namespace sgc

#include "sgc/data/class_features.h"

#include <cmath>
#include <numeric>
#include <utility>

namespace sgc {

Rng node_rng(uint64_t seed, uint64_t stream, int64_t i) {
  return Rng(splitmix64(seed ^ splitmix64(stream * 0x100000001B3ull + uint64_t(i))));
}

DenseMatrix class_gaussian_features(const std::vector<int32_t>& labels, int32_t classes, int64_t dim, double signal,
                                    double noise, uint64_t seed, int64_t first) {
  DenseMatrix mu(classes, dim);
  Rng mean_rng(splitmix64(seed ^ 0xC1A55ull));
  const double scale = signal / std::sqrt(double(dim));
  for (Eigen::Index c = 0; c < mu.rows(); ++c)
    for (Eigen::Index j = 0; j < mu.cols(); ++j) mu(c, j) = float(scale * mean_rng.normal());
  const int64_t n = int64_t(labels.size());
  DenseMatrix x(n, dim);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    Rng rng = node_rng(seed, 4, first + i);
    for (int64_t j = 0; j < dim; ++j) x(i, j) = mu(labels[i], j) + float(noise * rng.normal());
  }
  return x;
}

std::vector<int32_t> random_order(int64_t n, uint64_t seed) {
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(splitmix64(seed ^ 0x5917ull));
  for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(uint64_t(i) + 1)]);
  return order;
}

}  // namespace sgc

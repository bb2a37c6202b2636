#include "sgc/data/synthetic_attributes.h"

#include <cmath>

#include "sgc/data/class_split.h"
#include "sgc/error.h"
#include "sgc/random.h"

namespace sgc {

Dataset with_synthetic_attributes(CsrMatrix adjacency, const std::string& name, const SyntheticAttributes& o) {
  if (o.features < 1 || o.classes < 2) throw ArgumentError("synthetic attributes: need >= 1 feature and >= 2 classes");
  Dataset d;
  d.name = name;
  d.adjacency = std::move(adjacency);
  const int64_t n = d.adjacency.rows;
  d.num_classes = o.classes;
  d.labels.resize(static_cast<size_t>(n));
  DenseMatrix mu(o.classes, o.features);
  Rng mean_rng(splitmix64(o.seed ^ 0xA77Bull));
  const double scale = 1.5 / std::sqrt(double(o.features));
  for (Eigen::Index c = 0; c < mu.rows(); ++c)
    for (Eigen::Index j = 0; j < mu.cols(); ++j) mu(c, j) = float(scale * mean_rng.normal());
  d.dense_features.resize(n, o.features);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    Rng rng(splitmix64(splitmix64(o.seed ^ 0x1abe1ull) + uint64_t(i)));
    const int32_t c = static_cast<int32_t>(rng.below(uint64_t(o.classes)));
    d.labels[i] = c;
    for (int64_t j = 0; j < o.features; ++j) d.dense_features(i, j) = mu(c, j) + float(rng.normal());
  }
  ClassSplitOptions split;
  split.seed = o.seed;
  split_per_class(d, split);
  return d;
}

}  // namespace sgc

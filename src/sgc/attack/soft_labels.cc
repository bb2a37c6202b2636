// Soft labels for the attack objective (see soft_labels.h).
#include "sgc/attack/soft_labels.h"

#include <cmath>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/model/optimizer.h"
#include "sgc/model/softmax_regression.h"
#include "sgc/model/train.h"

namespace sgc::attack {

CsrMatrix attack_features(const Dataset& d, FeatureNorm norm) {
  CsrMatrix x;
  if (d.has_dense_features()) {
    const DenseMatrix& m = d.dense_features;
    x.rows = m.rows(), x.cols = m.cols();
    x.indptr.assign(size_t(x.rows) + 1, 0);
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      for (Eigen::Index j = 0; j < m.cols(); ++j)
        if (m(i, j) != 0) x.indices.push_back(int32_t(j)), x.values.push_back(m(i, j));
      x.indptr[size_t(i) + 1] = int64_t(x.indices.size());
    }
  } else {
    x = d.features;
  }
  if (norm == FeatureNorm::Row) row_normalize(x);
  return x;
}

DenseMatrix soft_labels(const Dataset& d, const std::vector<int32_t>& labels, FeatureNorm norm, double c,
                        uint64_t seed) {
  if (!(c > 0)) throw ArgumentError("attack: the soft labels' C must be > 0");
  const CsrMatrix x = attack_features(d, norm);
  std::vector<int32_t> rows, y;
  for (int32_t i : d.train)
    if (labels[size_t(i)] >= 0) rows.push_back(i), y.push_back(labels[size_t(i)]);
  if (rows.empty()) throw ArgumentError("attack: no training node has a label for the soft labels");
  DenseMatrix xt = DenseMatrix::Zero(Eigen::Index(rows.size()), x.cols);
  for (size_t r = 0; r < rows.size(); ++r)
    for (int64_t p = x.indptr[size_t(rows[r])]; p < x.indptr[size_t(rows[r]) + 1]; ++p)
      xt(Eigen::Index(r), x.indices[size_t(p)]) = x.values[size_t(p)];
  TrainOptions opt;
  opt.optimizer = &find_optimizer("lbfgs");
  opt.epochs = 100;
  opt.weight_decay = 1.0 / (c * double(rows.size()));
  opt.seed = seed;
  const TrainOutcome fit = train_softmax(xt, y, d.num_classes, opt);
  // Probabilities of every node: softmax(x W + b), row by row from the sparse features.
  const auto w = fit.model.weight();
  const auto b = fit.model.bias();
  DenseMatrix out(d.num_nodes(), d.num_classes);
  Eigen::RowVectorXf z;
  for (int64_t i = 0; i < d.num_nodes(); ++i) {
    z = b;
    for (int64_t p = x.indptr[size_t(i)]; p < x.indptr[size_t(i) + 1]; ++p)
      z += x.values[size_t(p)] * w.row(x.indices[size_t(p)]);
    const float m = z.maxCoeff();
    z = (z.array() - m).exp().matrix();
    out.row(Eigen::Index(i)) = z / z.sum();
  }
  return out;
}

}  // namespace sgc::attack

#include "sgc/predict.h"

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/pipeline.h"

namespace sgc {

Prediction predict_nodes(Dataset d, const SavedModel& m) {
  if (d.num_features() != m.model.dim)
    throw ArgumentError("predict: the graph has " + std::to_string(d.num_features()) +
                        " features per node, the model expects " + std::to_string(m.model.dim));
  const FeatureNorm norm = parse_feature_norm(m.feature_norm);
  if (norm == FeatureNorm::ZScore) {
    if (!d.has_dense_features()) {
      d.dense_features = to_dense(d.features);
      d.features = CsrMatrix{};
    }
    apply_zscore(d.dense_features, ZScoreStats{m.zscore_mean, m.zscore_std});
  } else {
    normalize_features(d, norm);
  }
  const CsrMatrix s = normalized_operator(d.adjacency, m.op);
  const DenseMatrix f = d.has_dense_features() ? apply_operator(s, std::move(d.dense_features), m.op)
                                               : apply_operator(s, d.features, m.op);
  Prediction p;
  p.logits = softmax_logits(m.model, f);
  p.label.resize(p.logits.rows());
  for (Eigen::Index i = 0; i < p.logits.rows(); ++i) {
    Eigen::Index arg;
    p.logits.row(i).maxCoeff(&arg);
    p.label[i] = int32_t(arg);
  }
  return p;
}

}  // namespace sgc

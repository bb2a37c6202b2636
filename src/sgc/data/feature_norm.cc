#include "sgc/data/feature_norm.h"

#include "sgc/error.h"
#include "sgc/util/printable.h"

namespace sgc {

FeatureNorm parse_feature_norm(const std::string& name) {
  if (name == "row") return FeatureNorm::Row;
  if (name == "zscore") return FeatureNorm::ZScore;
  if (name == "none") return FeatureNorm::None;
  throw ArgumentError("--feature-norm: unknown value '" + printable(name) + "' (expected row, zscore or none)");
}

std::string to_string(FeatureNorm f) {
  switch (f) {
    case FeatureNorm::Row: return "row";
    case FeatureNorm::ZScore: return "zscore";
    case FeatureNorm::None: return "none";
  }
  return "?";
}

namespace {
void densify(Dataset& d) {  // z-scoring destroys sparsity
  if (d.has_dense_features()) return;
  d.dense_features = to_dense(d.features);
  d.features = CsrMatrix{};
}
}  // namespace

ZScoreStats normalize_features(Dataset& d, FeatureNorm norm) {
  if (norm == FeatureNorm::None) return {};
  if (norm == FeatureNorm::Row) {
    if (d.has_dense_features())
      row_normalize(d.dense_features);
    else
      row_normalize(d.features);
    return {};
  }
  densify(d);
  ZScoreStats st = zscore_stats(d.dense_features);
  apply_zscore(d.dense_features, st);
  return st;
}

void apply_zscore(Dataset& d, const ZScoreStats& stats) {
  densify(d);
  apply_zscore(d.dense_features, stats);
}

}  // namespace sgc

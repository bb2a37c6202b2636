// Feature normalisation applied before propagation:
//   row     each row scaled to sum 1 (SGC's Planetoid setting; signed rows:
//           their absolute values sum to 1, see row_normalize)
//   zscore  each column to mean 0, standard deviation 1 (SGC's Reddit setting;
//           the statistics are saved with a model to apply them to new graphs)
//   none    raw features
#pragma once

#include <string>

#include "sgc/data/dataset.h"
#include "sgc/graph/normalize.h"

namespace sgc {

enum class FeatureNorm { Row, ZScore, None };
FeatureNorm parse_feature_norm(const std::string& name);  // "row" | "zscore" | "none"; ArgumentError otherwise
std::string to_string(FeatureNorm f);

// Normalises the data set's features in place: sparse stays sparse, except
// for z-scoring, which makes them dense. Returns the z-score statistics for
// FeatureNorm::ZScore (empty otherwise).
ZScoreStats normalize_features(Dataset& d, FeatureNorm norm);

// Z-scores with given statistics (a saved model's), densifying sparse features.
void apply_zscore(Dataset& d, const ZScoreStats& stats);

}  // namespace sgc

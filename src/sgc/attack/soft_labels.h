// The soft labels Y of the label-propagation objective: a logistic
// regression on the raw (row-normalised) features of the training nodes,
// fitted to the attacker's labels (true labels, or the victim's predictions),
// then its class probabilities for every node. As InfAttack's code (Wang et
// al., WSDM 2024): multinomial logistic regression, L2 with C = 1, with an
// intercept, L-BFGS, 100 iterations. C = 1 on a summed loss is weight decay
// 1 / (C n_train) on the mean loss this library minimises.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/data/dataset.h"
#include "sgc/data/feature_norm.h"
#include "sgc/dense.h"

namespace sgc::attack {

// n x C probabilities. labels: one per node (-1: unknown, not used);
// train: the nodes to fit on (those with labels >= 0). ArgumentError when no
// training node has a label.
// Features: the data set's, row-normalised for FeatureNorm::Row, as they are otherwise.
DenseMatrix soft_labels(const Dataset& d, const std::vector<int32_t>& labels, FeatureNorm norm,
                        double c = 1.0, uint64_t seed = 42);

// The data set's features as a sparse matrix (dense ones converted),
// row-normalised for FeatureNorm::Row (row_normalize: SGC's Planetoid setting), as they
// are for any other norm.
CsrMatrix attack_features(const Dataset& d, FeatureNorm norm);

}  // namespace sgc::attack

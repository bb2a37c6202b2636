// Label clean-up and the random per-class split used for data sets that come
// without one (Amazon, Coauthor and the other graphdata / gnn-benchmark
// files): the protocol of Shchur et al., "Pitfalls of Graph Neural Network
// Evaluation" (2018): 20 labelled nodes per class for training, 30 per class
// for validation, every other labelled node for testing.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/data/dataset.h"

namespace sgc {

// Maps raw label values to class ids 0..C-1 by rank of the distinct
// non-negative values (so 1..6 becomes 0..5 and 0..9 stays 0..9); negative
// values mean "unlabelled" and become -1. Returns C. The mapping is recorded
// so it can be undone: *values (if given) receives the raw value of each
// class, or is left empty when the values already were exactly 0..C-1.
int32_t compact_labels(const std::vector<int64_t>& raw, std::vector<int32_t>& labels,
                       std::vector<int64_t>* values = nullptr);

struct ClassSplitOptions {
  int32_t train_per_class = 20;
  int32_t val_per_class = 30;
  uint64_t seed = 0;
};

// Fills d.train / d.val / d.test (each sorted): one seeded permutation of the
// labelled nodes; walking it, the first train_per_class nodes of each class go
// to train, the next val_per_class to val, the rest to test. A class with
// fewer nodes fills train first, then val. Deterministic for a seed.
void split_per_class(Dataset& d, const ClassSplitOptions& opt);

}  // namespace sgc

// Using a saved model on a graph it has not seen (inductive use): the
// features are normalised as at training time (z-score with the saved
// statistics), propagated with the saved operator over the new graph, and
// classified with the saved weights.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/data/dataset.h"
#include "sgc/model/model_file.h"

namespace sgc {

struct Prediction {
  std::vector<int32_t> label;  // predicted class per node
  DenseMatrix logits;          // num_nodes x classes
};

// Throws sgc::ArgumentError when the graph's feature dimension differs from the model's.
Prediction predict_nodes(Dataset d, const SavedModel& m);

}  // namespace sgc

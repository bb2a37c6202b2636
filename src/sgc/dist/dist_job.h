// The linear model (SGC and its family) on P ranks: each rank holds a block
// of rows of S, of the features and of the splits (LocalData), propagates
// them with the halo-exchange product (dist_product.h) through the same
// operator code as one process (run_operator on a HopProduct), trains on its
// training rows with all-reduced gradients and scores with all-reduced
// counts (dist_train.h). Both protocols: transductive (every row over the
// whole graph) and inductive (training rows over the graph induced on the
// training nodes, itself split by the same owners).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "sgc/data/dataset.h"
#include "sgc/dist/comm.h"
#include "sgc/dist/dist_product.h"
#include "sgc/dist/partition.h"
#include "sgc/model/config.h"
#include "sgc/model/model.h"
#include "sgc/model/softmax_regression.h"

namespace sgc::dist {

// One graph's rows on this rank: S's rows (partition numbering) and the bounds of every rank.
struct LocalGraph {
  std::vector<int64_t> bounds;
  CsrMatrix s_rows;
};

// This rank's features: dense or sparse (the other empty).
struct LocalFeatures {
  DenseMatrix dense;
  CsrMatrix sparse;
  bool is_dense() const { return dense.size() > 0 || sparse.rows == 0; }
};

struct LocalData {
  std::string name;
  int32_t classes = 0;
  int64_t dim = 0;  // feature columns
  LocalGraph graph;
  LocalFeatures x;                                // rows of graph
  std::vector<int32_t> labels;                    // per row of graph (-1: none), for prediction
  std::vector<int64_t> ids;                       // per row: its node id in the data set (prediction output)
  std::vector<int32_t> train, val, test;          // local rows of graph
  std::vector<int32_t> train_y, val_y, test_y;
  std::optional<LocalGraph> train_graph;          // inductive: the graph induced on the training nodes
  LocalFeatures train_x;                          // inductive: its rows' features (train_y in its row order)
  ZScoreStats feature_stats;
  int64_t nodes = 0, cut = 0;                     // whole graph; non-zeros of S crossing ranks
};

// Splits a data set every rank holds whole: normalises its features and
// builds S (and, inductive, the training graph's S) as one process does, then
// keeps this rank's rows under the partition `method` of the adjacency.
LocalData distribute(const Comm& comm, Dataset d, const Config& c, PartitionMethod method);

struct DistOutcome {
  Evaluation eval;     // the same on every rank
  SoftmaxModel model;  // likewise
  HopStats hops;       // this rank's
  int64_t halo_rows = 0, rows = 0;
};

// Propagates, trains and scores; collective.
DistOutcome run_distributed(const Comm& comm, LocalData local, const Config& c, StageTimes* times = nullptr);

// The propagated features of this rank's rows `rows` (all rows when null) of
// the whole graph, as run_distributed computes them (for tests and benchmarks).
DenseMatrix propagate_local(const Comm& comm, const LocalData& local, const OperatorSpec& spec,
                            const std::vector<int32_t>* rows, HopStats* stats = nullptr);

}  // namespace sgc::dist

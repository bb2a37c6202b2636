#include "sgc/dist/dist_job.h"

#include <algorithm>
#include <numeric>

#include "sgc/data/feature_norm.h"
#include "sgc/dist/dist_train.h"
#include "sgc/error.h"
#include "sgc/graph/subgraph.h"
#include "sgc/util/timer.h"

namespace sgc::dist {

namespace {

LocalFeatures features_of(const Dataset& d, const std::vector<int32_t>& ids) {
  LocalFeatures f;
  if (d.has_dense_features())
    f.dense = gather_rows(d.dense_features, ids);
  else
    f.sparse = select_rows(d.features, ids);
  return f;
}

FeatureInput input_of(const LocalFeatures& f) {
  if (f.is_dense()) return FeatureInput(view_of(f.dense));
  return FeatureInput(f.sparse);
}

}  // namespace

LocalData distribute(const Comm& comm, Dataset d, const Config& c, PartitionMethod method) {
  validate_operator(c.op);
  if (d.num_nodes() == 0) throw ArgumentError(d.name + ": the graph has no nodes");
  if (d.train.empty()) throw ArgumentError(d.name + ": the training split is empty");
  if (d.num_classes < 2)
    throw ArgumentError(d.name + ": " + std::to_string(d.num_classes) + " class(es); classification needs at least two");
  LocalData L;
  L.name = d.name;
  L.classes = d.num_classes;
  L.nodes = d.num_nodes();
  L.feature_stats = normalize_features(d, c.feature_norm);
  L.dim = d.num_features();
  const CsrMatrix s = normalized_operator(d.adjacency, c.op);
  const Partition part = make_partition(method, d.adjacency, comm.size());
  const std::vector<int32_t> new_id = part.new_ids();
  const int me = comm.rank();
  L.graph.bounds = part.bounds;
  L.graph.s_rows = rows_of_rank(s, part, me, new_id);
  L.cut = cut_nonzeros(s, part);
  const std::vector<int32_t> owned = part.owned(me);
  const int64_t lo = part.bounds[size_t(me)];
  auto local_rows = [&](const std::vector<int32_t>& ids, std::vector<int32_t>& rows, std::vector<int32_t>& y,
                        const char* split) {
    const std::vector<int32_t> labels = split_labels(d, ids, split);
    for (size_t i = 0; i < ids.size(); ++i)
      if (part.owner(new_id[size_t(ids[i])]) == me) {
        rows.push_back(int32_t(new_id[size_t(ids[i])] - lo));
        y.push_back(labels[i]);
      }
  };
  local_rows(d.val, L.val, L.val_y, "val");
  local_rows(d.test, L.test, L.test_y, "test");
  if (c.protocol == Protocol::Transductive) {
    local_rows(d.train, L.train, L.train_y, "train");
  } else {
    // The training graph, numbered so each rank's training nodes are one range
    // (by their new ids: the same owners as in the whole graph).
    const std::vector<int32_t> train_labels = split_labels(d, d.train, "train");
    const CsrMatrix s_train = normalized_operator(induced_subgraph(d.adjacency, d.train), c.op);
    Partition tp;
    tp.order.resize(d.train.size());
    std::iota(tp.order.begin(), tp.order.end(), 0);
    std::stable_sort(tp.order.begin(), tp.order.end(),
                     [&](int32_t a, int32_t b) { return new_id[size_t(d.train[size_t(a)])] < new_id[size_t(d.train[size_t(b)])]; });
    tp.bounds.assign(size_t(comm.size()) + 1, 0);
    for (int32_t t : d.train) ++tp.bounds[size_t(part.owner(new_id[size_t(t)])) + 1];
    for (int r = 0; r < comm.size(); ++r) tp.bounds[size_t(r) + 1] += tp.bounds[size_t(r)];
    L.train_graph = LocalGraph{tp.bounds, rows_of_rank(s_train, tp, me, tp.new_ids())};
    std::vector<int32_t> ids;
    for (int32_t t : tp.owned(me)) {
      ids.push_back(d.train[size_t(t)]);
      L.train_y.push_back(train_labels[size_t(t)]);
    }
    L.train_x = features_of(d, ids);
    L.train.resize(ids.size());
    std::iota(L.train.begin(), L.train.end(), 0);
  }
  L.x = features_of(d, owned);
  for (int32_t i : owned) {
    L.labels.push_back(d.labels[size_t(i)]);
    L.ids.push_back(i);
  }
  return L;
}

DenseMatrix propagate_local(const Comm& comm, const LocalData& local, const OperatorSpec& spec,
                            const std::vector<int32_t>* rows, HopStats* stats) {
  const DistProduct product(comm, local.graph.s_rows, local.graph.bounds);
  DenseMatrix f = apply_operator(HopProduct(product), input_of(local.x), spec, rows);
  if (stats) *stats = product.stats();
  return f;
}

DistOutcome run_distributed(const Comm& comm, LocalData L, const Config& c, StageTimes* times) {
  DistOutcome out;
  Timer timer;
  const DistProduct product(comm, L.graph.s_rows, L.graph.bounds);
  out.halo_rows = product.halo_rows();
  out.rows = product.rows();
  DenseMatrix train_x, eval_x;
  std::vector<int32_t> eval_rows = L.val;
  eval_rows.insert(eval_rows.end(), L.test.begin(), L.test.end());
  if (!L.train_graph) {
    std::vector<int32_t> rows = L.train;
    rows.insert(rows.end(), eval_rows.begin(), eval_rows.end());
    DenseMatrix f = apply_operator(HopProduct(product), input_of(L.x), c.op, &rows);
    train_x = f.topRows(Eigen::Index(L.train.size()));
    eval_x = f.bottomRows(Eigen::Index(eval_rows.size()));
  } else {
    const DistProduct train_product(comm, L.train_graph->s_rows, L.train_graph->bounds);
    train_x = apply_operator(HopProduct(train_product), input_of(L.train_x), c.op);
    eval_x = apply_operator(HopProduct(product), input_of(L.x), c.op, &eval_rows);
  }
  out.hops = product.stats();
  if (times) times->propagate += timer.seconds();

  timer.reset();
  const int64_t dim = operator_output_columns(c.op, L.dim);
  TrainOutcome trained;
  try {
    trained = train_softmax_distributed(comm, train_x, L.train_y, dim, L.classes, c.train);
  } catch (const TrainingDiverged& e) {
    throw TrainingDiverged(L.name, e.what());
  }
  if (times) times->train += timer.seconds();

  timer.reset();
  Evaluation& e = out.eval;
  e.final_loss = trained.final_loss;
  e.train_evaluations = trained.evaluations;
  auto predict = [&](FeatureRows x) {
    return x.rows() > 0 ? softmax_predict(trained.model, x) : std::vector<int32_t>{};
  };
  e.train_acc = score_distributed(comm, predict(train_x), L.train_y, L.classes).accuracy;
  const SplitScore val = score_distributed(
      comm, predict(eval_x.topRows(Eigen::Index(L.val.size()))), L.val_y, L.classes);
  const SplitScore test = score_distributed(
      comm, predict(eval_x.bottomRows(Eigen::Index(L.test.size()))), L.test_y, L.classes);
  e.val_acc = val.accuracy;
  e.val_macro_f1 = val.macro_f1;
  e.test_acc = test.accuracy;
  e.test_macro_f1 = test.macro_f1;
  out.model = std::move(trained.model);
  if (times) times->evaluate += timer.seconds();
  return out;
}

}  // namespace sgc::dist

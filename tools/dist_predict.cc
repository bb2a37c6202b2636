// `mpirun -np P sgc predict --model M [--out F] ...`: classify every node of a
// graph split over P ranks with a model saved by `sgc train --save` (one
// process or many). Each rank propagates its rows with the halo exchange,
// scores them, and rank 0 gathers the classes and writes the file
// atomically. The graph comes as for `sgc train` under mpirun: loaded by
// every rank and split, read from a contiguous `sgc partition` layout
// (--partitioned DIR), or drawn rank by rank (--generator powerlaw).
#include <cstdio>
#include <limits>
#include <iostream>

#include "dist_cli.h"
#include "sgc/error.h"
#include "sgc/model/model_file.h"
#include "sgc/util/atomic_file.h"

#if SGC_WITH_MPI
#include "sgc/data/feature_norm.h"
#include "sgc/dist/dist_job.h"
#include "sgc/dist/part_file.h"
#include "sgc/dist/powerlaw_part.h"
#include "sgc/dist/rank_part.h"
#include "sgc/util/threads.h"
#endif

namespace sgc_cli {

#if SGC_WITH_MPI

namespace {

namespace dist = sgc::dist;

struct PredictInput {
  dist::LocalData local;
  std::string name, method;
  std::vector<int64_t> label_values;  // the loader's renumbering of the classes (empty: none)
  int split = -1;                      // the data set's split scored (-1: a generated graph)
};

// The graph's rows with raw features (the saved model's normalisation is applied after).
PredictInput load_rows(const DataFlags& f, const DistFlags& d, sgc::Config c, const std::string& model_path,
                       const json& training, const dist::Comm& comm) {
  c.feature_norm = sgc::FeatureNorm::None;
  c.protocol = sgc::Protocol::Transductive;  // every row over the whole graph
  PredictInput in;
  in.method = d.partition;
  if (f.threads > 0) sgc::set_num_threads(f.threads);
  if (!d.partitioned.empty()) {
    const dist::PartManifest pm = read_partitioned_manifest(comm, f, d.partitioned);
    if (pm.method != "contiguous")
      throw dist::CollectiveError(d.partitioned + ": a " + pm.method +
                                  " layout numbers the nodes part by part and does not record their ids; predict "
                                  "reads a contiguous one (sgc partition --method contiguous)");
    in.name = pm.dataset;
    in.method = pm.method;
    in.split = pm.split;
    in.label_values = pm.label_values;
    if (comm.rank() == 0) note_other_split(training, pm.dataset, pm.family, pm.split);
    in.local = dist::read_part(comm, d.partitioned, c);
  } else if (generated_by_rank(f, d)) {
    dist::GeneratedPart gen = dist::generate_powerlaw_part(comm, sgc::powerlaw_options(f.synthetic.params, f.seed));
    in.name = "powerlaw";
    in.local = dist::local_data(comm, std::move(gen.part), c, in.name, gen.cut, "--generator powerlaw");
  } else {
    AsTrained as_trained = load_as_trained(f, model_path, training, comm.rank() == 0);
    sgc::Dataset data = std::move(as_trained.data);
    in.split = as_trained.split;
    in.name = data.name;
    in.label_values = data.label_values;
    in.local = dist::distribute(comm, std::move(data), c, dist::parse_partition_method(d.partition));
  }
  return in;
}

int predict(const DataFlags& f, const DistFlags& d, const std::string& model_path, const std::string& out,
            const dist::Comm& comm) {
  std::string err;
  sgc::SavedModel saved;
  sgc::ModelState state;
  try {
    refuse_partition_flag(d, true);
    if (!out.empty()) {  // before the work, not after
      auto inputs = data_inputs(f);
      inputs.emplace_back("--model", model_path);
      sgc::check_output_path(out, "--out", inputs);
    }
    saved = sgc::load_model(model_path);
    if (saved.config.model != &sgc::default_model())
      throw sgc::ArgumentError("--model " + model_path + ": distributed runs predict with the linear model only");
    sgc::require_operator_products(saved.config.op);
    state = saved.model->state();
  } catch (const sgc::Error& e) {
    err = e.what();
  }
  dist::agree_or_throw(comm, err);  // every rank read the same file
  const sgc::Config& c = saved.config;
  PredictInput in = load_rows(f, d, c, model_path, saved.training, comm);
  dist::LocalData& L = in.local;

  sgc::SoftmaxModel m(state.header.at("dim").get<int64_t>(), state.header.at("classes").get<int32_t>());
  m.theta = Eigen::Map<const Eigen::VectorXf>(state.weights.data(), Eigen::Index(state.weights.size()));
  if (sgc::operator_output_columns(c.op, L.dim) != m.dim)
    throw dist::CollectiveError("the graph has " + std::to_string(L.dim) + " features per node (" +
                                std::to_string(sgc::operator_output_columns(c.op, L.dim)) + " after " +
                                std::string(c.op.name()) + "), the model expects " + std::to_string(m.dim));
  if (L.classes > 0 && m.classes != L.classes)
    throw dist::CollectiveError("--model " + model_path + ": the model has " + std::to_string(m.classes) +
                                " classes, the data set " + L.name + " has " + std::to_string(L.classes) +
                                "; predict with a model trained on this data set's classes");
  // The model's feature normalisation; z-scoring with the training graph's statistics.
  if (c.feature_norm == sgc::FeatureNorm::Row) {
    if (L.x.is_dense()) sgc::row_normalize(L.x.dense); else sgc::row_normalize(L.x.sparse);
  } else if (c.feature_norm == sgc::FeatureNorm::ZScore) {
    if (!L.x.is_dense()) {
      L.x.dense = sgc::to_dense(L.x.sparse);
      L.x.sparse = sgc::CsrMatrix{};
    }
    sgc::ZScoreStats stats;
    stats.mean = state.header.at("zscore_mean").get<std::vector<float>>();
    stats.std = state.header.at("zscore_std").get<std::vector<float>>();
    sgc::apply_zscore(L.x.dense, stats);
  }
  const sgc::DenseMatrix feats = dist::propagate_local(comm, L, c.op, nullptr);
  const sgc::DenseMatrix logits = feats.rows() > 0 ? sgc::softmax_logits(m, feats) : sgc::DenseMatrix();
  dist::agree_or_throw(comm, logits.allFinite() ? "" : "--model " + model_path + ": the class scores on " + L.name +
                                                           " are not finite (the weights overflow float on these features)");
  const std::vector<int32_t> pred = sgc::predict_from_logits(logits);

  // Accuracy from summed counts: the test split, every labelled node.
  std::vector<int64_t> hits(4, 0);
  for (size_t t = 0; t < L.test.size(); ++t) hits[0] += pred[size_t(L.test[t])] == L.test_y[t], ++hits[1];
  for (size_t i = 0; i < pred.size(); ++i)
    if (L.labels[i] >= 0) hits[2] += pred[i] == L.labels[i], ++hits[3];
  comm.sum(hits);
  const double none = std::numeric_limits<double>::quiet_NaN();  // no rows: n/a (eval/metrics.h)
  const double test_acc = hits[1] ? double(hits[0]) / double(hits[1]) : none;
  const double all_acc = hits[3] ? double(hits[2]) / double(hits[3]) : none;

  // Rank 0 gathers (node id, class) and writes them in node order.
  const int P = comm.size(), rows = int(pred.size());
  std::vector<int> counts(static_cast<size_t>(P)), displs(static_cast<size_t>(P), 0);
  MPI_Gather(&rows, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm.get());
  for (int r = 1; r < P; ++r) displs[size_t(r)] = displs[size_t(r) - 1] + counts[size_t(r) - 1];
  const int64_t n = L.nodes;
  std::vector<int32_t> all_pred(comm.rank() == 0 ? size_t(n) : 0);
  std::vector<int64_t> all_ids(comm.rank() == 0 ? size_t(n) : 0);
  MPI_Gatherv(pred.data(), rows, MPI_INT32_T, all_pred.data(), counts.data(), displs.data(), MPI_INT32_T, 0, comm.get());
  MPI_Gatherv(L.ids.data(), rows, MPI_INT64_T, all_ids.data(), counts.data(), displs.data(), MPI_INT64_T, 0, comm.get());
  err.clear();
  if (comm.rank() == 0 && !out.empty()) {
    try {
      std::vector<int32_t> by_node(size_t(n), -1);
      for (int64_t k = 0; k < n; ++k) by_node[size_t(all_ids[size_t(k)])] = all_pred[size_t(k)];
      write_predictions(out, model_path, by_node, in.label_values);
    } catch (const sgc::Error& e) {
      err = e.what();
    }
  }
  dist::agree_or_throw(comm, err);
  if (comm.rank() != 0) return 0;
  if (f.json) {
    json j = {{"model", model_path}, {"dataset", in.name}, {"nodes", n}, {"ranks", P}, {"partition", in.method},
              {"operator", sgc::operator_to_json(c.op)}, {"test_accuracy", test_acc}, {"labelled_accuracy", all_acc}};
    if (in.split >= 0) j["split"] = in.split;
    if (!out.empty()) j["predictions"] = out;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("model %s (%s) on %s: %lld nodes classified on %d ranks (%s partition)\n", model_path.c_str(),
              sgc::operator_summary(c.op).c_str(), in.name.c_str(), (long long)n, P, in.method.c_str());
  const std::string which = in.split >= 0 ? " (split " + std::to_string(in.split) + ")" : "";
  std::printf("accuracy on the test split%s %s, on every labelled node %s\n", which.c_str(), accuracy_text(test_acc).c_str(),
              accuracy_text(all_acc).c_str());
  if (!out.empty()) std::printf("predictions written to %s\n", out.c_str());
  return 0;
}

}  // namespace

int run_predict_distributed(const DataFlags& f, const DistFlags& d, const std::string& model, const std::string& out) {
  return run_collective([&](const sgc::dist::Comm& comm) { return predict(f, d, model, out, comm); });
}

#else

int run_predict_distributed(const DataFlags&, const DistFlags&, const std::string&, const std::string&) {
  throw sgc::ArgumentError("--partitioned: this sgc was built without MPI (cmake -DSGC_MPI=ON with Open MPI)");
}

#endif

}  // namespace sgc_cli

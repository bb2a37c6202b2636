// `_core.fit_graph_model`: any model of the library's registry (tsc, acm,
// linear) trained through the Model interface on a graph handed over from
// Python, under one Config given as config_to_json's dict. Returns the
// accuracies, the epoch kept and the class scores of every node. Bindings
// only: preparation, training and checks are the library's.
#include "common.h"
#include "sgc/data/dataset.h"
#include "sgc/model/config.h"
#include "sgc/model/model.h"

namespace sgc_py {

namespace {

py::dict fit_graph_model(py::handle adj, py::handle x, const py::array& y, int32_t classes, const py::array& train,
                         const py::array& val, const py::array& test, const py::dict& config_dict) {
  const sgc::Config config = sgc::config_from_json(to_json(config_dict));
  Features f = features_from(x);
  sgc::Dataset d;
  d.family = "python", d.name = "graph";
  d.adjacency = adjacency_from(adj, f.rows);
  const py::array_t<int64_t, py::array::c_style | py::array::forcecast> labels(y);
  if (labels.ndim() != 1 || labels.shape(0) != f.rows)
    throw sgc::ArgumentError("y: expected one label per node (" + std::to_string(f.rows) + ")");
  d.labels.resize(size_t(f.rows));
  for (int64_t i = 0; i < f.rows; ++i) {
    const int64_t v = labels.at(i);
    if (v >= classes) throw sgc::ArgumentError("y: label " + std::to_string(v) + " of node " + std::to_string(i) +
                                               " is not below the " + std::to_string(classes) + " classes");
    d.labels[size_t(i)] = v < 0 ? -1 : int32_t(v);
  }
  d.num_classes = classes;
  d.train = ids_from(train, f.rows, "train_idx");
  d.val = ids_from(val, f.rows, "val_idx");
  d.test = ids_from(test, f.rows, "test_idx");
  sgc::Evaluation ev;
  sgc::Prediction pred;
  {
    NoGil nogil;
    if (f.sparse) d.features = std::move(f.csr);
    else d.dense_features = f.copy_dense();
    sgc::validate_dataset(d, "the graph given");
    const std::unique_ptr<sgc::Model> model = sgc::make_model(config);
    model->prepare(d, config);
    ev = model->fit(config);
    pred = model->predict(std::move(d), config);
  }
  py::dict out;
  out["train_acc"] = ev.train_acc;
  out["val_acc"] = ev.val_acc;
  out["test_acc"] = ev.test_acc;
  out["final_loss"] = ev.final_loss;
  out["epoch"] = ev.epoch;
  out["best_test_over_epochs"] = ev.best_test_over_epochs;
  out["scores"] = to_numpy(std::move(pred.logits));
  return out;
}

}  // namespace

void register_graph_model(py::module_& m) {
  m.def("fit_graph_model", &fit_graph_model, py::arg("adj"), py::arg("x"), py::arg("y"), py::arg("classes"),
        py::arg("train"), py::arg("val"), py::arg("test"), py::arg("config"),
        "Train config['model'] on the graph; {train_acc, val_acc, test_acc, final_loss, epoch, "
        "best_test_over_epochs, scores}.");
}

}  // namespace sgc_py

// Bindings of the classifier (softmax regression, any optimizer of the
// registry), the data loaders, the thread count and the whole C++ pipeline
// (what `sgc train` runs).
#include "common.h"
#include "sgc/data/generators.h"
#include "sgc/error.h"
#include "sgc/gpu/device.h"
#include "sgc/io/dataset_names.h"
#include "sgc/io/load.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/linear_model.h"
#include "sgc/model/optimizer.h"
#include "sgc/model/softmax_regression.h"
#include "sgc/model/train.h"
#include "sgc/presets.h"
#include "sgc/util/named.h"
#include "sgc/util/threads.h"

namespace sgc_py {

namespace {

// Class ids (int32 in [0, classes)) from an integer numpy array.
std::vector<int32_t> labels_from(const py::array& y, int64_t rows, int32_t classes) {
  if (y.ndim() != 1) throw sgc::ArgumentError("y: expected a 1-D array of class ids");
  if (y.dtype().kind() != 'i' && y.dtype().kind() != 'u')
    throw py::type_error("y: class ids must be integers, got " + py::str(y.dtype()).cast<std::string>());
  if (y.shape(0) != rows)
    throw sgc::ArgumentError("y: " + std::to_string(y.shape(0)) + " labels for " + std::to_string(rows) + " rows");
  const auto a = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(y);
  std::vector<int32_t> out(size_t(a.size()));
  for (py::ssize_t i = 0; i < a.size(); ++i) {
    if (a.data()[i] < 0 || a.data()[i] >= classes)
      throw sgc::ArgumentError("y: class id " + std::to_string(a.data()[i]) + " outside [0, " +
                               std::to_string(classes) + ")");
    out[size_t(i)] = int32_t(a.data()[i]);
  }
  return out;
}

sgc::TrainOptions train_options(const std::string& optimizer, double lr, int epochs, double weight_decay,
                                uint64_t seed, const py::object& optimizer_params = py::none()) {
  sgc::TrainOptions o;
  sgc::use_optimizer(o, sgc::find_optimizer(optimizer));
  o.lr = lr;
  o.epochs = epochs;
  o.weight_decay = weight_decay;
  o.seed = seed;
  if (!optimizer_params.is_none()) {
    if (!py::isinstance<py::dict>(optimizer_params))
      throw sgc::ArgumentError("optimizer_params: expected a dict, got " +
                               py::str(optimizer_params.get_type().attr("__name__")).cast<std::string>());
    const nlohmann::json j = to_json(optimizer_params);
    sgc::optimizer_params_from_json(o, j);
    for (const auto& item : j.items())
      if (!o.optimizer->reads(item.key()))
        throw sgc::ParameterError(item.key(), "not a parameter of optimizer " + optimizer + " (read by " +
                                                  sgc::readers_of(sgc::optimizers(), item.key()) + ")");
  }
  return o;
}

// A model from its flat parameters theta = [W (dim x classes, row-major), b].
sgc::SoftmaxModel model_from(const py::array& theta, int64_t dim, int32_t classes) {
  if (dim <= 0 || classes <= 0) throw sgc::ArgumentError("softmax regression needs dim > 0 and classes > 0");
  const auto t = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(theta);
  if (!t || t.ndim() != 1 || t.size() != dim * classes + classes)
    throw sgc::ArgumentError("theta: expected " + std::to_string(dim * classes + classes) + " parameters");
  sgc::SoftmaxModel m(dim, classes);
  std::copy(t.data(), t.data() + t.size(), m.theta.data());
  return m;
}

py::dict dataset_to_dict(sgc::Dataset&& d) {
  auto csr = [](sgc::CsrMatrix&& a) {
    return py::make_tuple(to_numpy(std::move(a.indptr)), to_numpy(std::move(a.indices)),
                          to_numpy(std::move(a.values)), py::make_tuple(a.rows, a.cols));
  };
  py::dict out;
  out["family"] = d.family;
  out["name"] = d.name;
  out["adjacency"] = csr(std::move(d.adjacency));
  if (d.has_dense_features()) out["features"] = to_numpy(std::move(d.dense_features));
  else out["features"] = csr(std::move(d.features));
  out["labels"] = to_numpy(std::move(d.labels));
  out["num_classes"] = d.num_classes;
  out["train"] = to_numpy(std::move(d.train));
  out["val"] = to_numpy(std::move(d.val));
  out["test"] = to_numpy(std::move(d.test));
  return out;
}

}  // namespace

void register_model(py::module_& m) {
  m.def(
      "check_labels",
      [](const py::array& y, int64_t n) {
        if (y.ndim() != 1)
          throw sgc::ArgumentError("y: expected a 1-D array of labels, got " + std::to_string(y.ndim()) + "-D");
        if (y.shape(0) != n)
          throw sgc::ArgumentError("y: " + std::to_string(y.shape(0)) + " labels for " + std::to_string(n) +
                                   " nodes");
      },
      py::arg("y"), py::arg("n_nodes"), "One label per node: a 1-D array of length n_nodes.");
  m.def(
      "validate_train_options",
      [](const std::string& optimizer, double lr, int epochs, double weight_decay, const py::object& params) {
        sgc::validate_train_options(train_options(optimizer, lr, epochs, weight_decay, 0, params));
      },
      py::arg("optimizer"), py::arg("lr"), py::arg("epochs"), py::arg("weight_decay"),
      py::arg("optimizer_params") = py::none());

  m.def(
      "init_theta",
      [](int64_t dim, int32_t classes, uint64_t seed) {
        return to_numpy(std::move(sgc::init_softmax(dim, classes, seed).theta));
      },
      py::arg("dim"), py::arg("classes"), py::arg("seed"),
      "torch.nn.Linear's initialisation of theta = [W (dim x classes, row-major), b].");

  m.def(
      "train",
      [](const py::array& features, const py::array& y, int32_t classes, const std::string& optimizer, double lr,
         int epochs, double weight_decay, uint64_t seed, const py::object& optimizer_params) {
        const auto x = dense_view(features, "features");
        const std::vector<int32_t> labels = labels_from(y, x.rows(), classes);
        const sgc::TrainOptions opt = train_options(optimizer, lr, epochs, weight_decay, seed, optimizer_params);
        sgc::TrainOutcome out;
        {
          NoGil nogil;
          out = sgc::train_softmax(x, labels, classes, opt);
        }
        return py::make_tuple(to_numpy(std::move(out.model.theta)), out.final_loss);
      },
      py::arg("features"), py::arg("y"), py::arg("classes"), py::arg("optimizer"), py::arg("lr"),
      py::arg("epochs"), py::arg("weight_decay"), py::arg("seed"), py::arg("optimizer_params") = py::none(),
      "sgc::train_softmax (any optimizer of the registry; optimizer_params: {name: value}) on float32 C-contiguous features, read in place: "
      "returns (theta, final_loss).");

  m.def(
      "loss_grad",
      [](const py::array& theta, const py::array& features, const py::array& y, int32_t classes) {
        const auto x = dense_view(features, "features");
        const sgc::SoftmaxModel model = model_from(theta, x.cols(), classes);
        const std::vector<int32_t> labels = labels_from(y, x.rows(), classes);
        Eigen::VectorXf grad;
        double loss;
        {
          NoGil nogil;
          loss = sgc::softmax_loss_grad(model, x, labels, grad);
        }
        return py::make_tuple(loss, to_numpy(std::move(grad)));
      },
      py::arg("theta"), py::arg("features"), py::arg("y"), py::arg("classes"),
      "Mean cross-entropy and its gradient with respect to theta (sgc::softmax_loss_grad).");

  m.def(
      "logits",
      [](const py::array& theta, const py::array& features, int32_t classes) {
        const auto x = dense_view(features, "features");
        const sgc::SoftmaxModel model = model_from(theta, x.cols(), classes);
        sgc::DenseMatrix z;
        {
          NoGil nogil;
          z = sgc::softmax_logits(model, x);
        }
        return to_numpy(std::move(z));
      },
      py::arg("theta"), py::arg("features"), py::arg("classes"));

  m.def(
      "predict",
      [](const py::array& theta, const py::array& features, int32_t classes) {
        const auto x = dense_view(features, "features");
        const sgc::SoftmaxModel model = model_from(theta, x.cols(), classes);
        std::vector<int32_t> pred;
        {
          NoGil nogil;
          pred = sgc::softmax_predict(model, x);
        }
        return to_numpy(std::move(pred));
      },
      py::arg("theta"), py::arg("features"), py::arg("classes"),
      "Class with the highest logit per row (ties -> lowest id), as sgc::softmax_predict.");
}

void register_data(py::module_& m) {
  m.def("default_data_root", &sgc::default_data_root,
        "$SGC_DATA_DIR, else ../shared/data if it exists, else the repository's ../shared/data.");
  m.def(
      "load_planetoid",
      [](const std::string& dir, const std::string& name) {
        sgc::Dataset d;
        {
          NoGil nogil;
          d = sgc::load_planetoid(dir, name);
        }
        // sgc::load_planetoid leaves the identity to load_dataset; this is the Planetoid reader.
        if (d.family.empty()) d.family = "planetoid";
        return dataset_to_dict(std::move(d));
      },
      py::arg("dir"), py::arg("name"));
  m.def(
      "load_dataset",
      [](const std::string& name, const std::string& dir, int split, uint64_t seed, const std::string& ogb_split,
         const std::string& feature_store) {
        sgc::LoadOptions opt;
        opt.dir = dir;
        opt.split = split;
        opt.seed = seed;
        opt.ogb_split = ogb_split;
        opt.feature_store = feature_store;
        sgc::Dataset d;
        {
          NoGil nogil;
          d = sgc::load_dataset(name, opt);
        }
        return dataset_to_dict(std::move(d));
      },
      py::arg("name"), py::arg("dir") = std::string(), py::arg("split") = 0, py::arg("seed") = uint64_t(0),
      py::arg("ogb_split") = std::string(), py::arg("feature_store") = std::string());
  m.def(
      "generate",
      [](const std::string& name, const py::dict& params, uint64_t seed) {
        const sgc::GeneratorDef& g = sgc::find_generator(name);
        const nlohmann::json p = to_json(params);
        sgc::Dataset d;
        {
          NoGil nogil;
          d = sgc::generate(g, p, seed);
        }
        return dataset_to_dict(std::move(d));
      },
      py::arg("name"), py::arg("params"), py::arg("seed") = uint64_t(0),
      "A built-in graph by name with {parameter: value} (sgc::generate).");
  m.def("generators", [] {
    py::dict out;
    for (const sgc::GeneratorDef* g : sgc::generators()) {
      py::dict entry;
      entry["summary"] = std::string(g->summary);
      entry["defaults"] = from_json(g->defaults());
      out[py::str(std::string(g->name))] = entry;
    }
    return out;
  });
  m.def("dataset_family", &sgc::dataset_family, py::arg("name"),
        "The family of a data set name load_dataset resolves without a path (sgc::dataset_family); "
        "ArgumentError for an unknown name.");
  m.def("known_dataset_names", [] {
    py::list out;
    for (const auto& n : sgc::known_dataset_names()) out.append(n);
    return out;
  });

  // The `sgc train --dataset NAME [--op OP]` path, in process: load, the
  // data set's preset for the operator, precompute, fit_evaluate. The tests
  // compare the estimator against it.
  m.def(
      "run_pipeline",
      [](const std::string& name, const std::string& dir, uint64_t seed, const std::string& op) {
        sgc::Evaluation ev;
        sgc::SoftmaxModel model;
        {
          NoGil nogil;
          sgc::Dataset data = sgc::load_dataset(name, dir);
          sgc::Config config = sgc::preset_for(data, sgc::find_operator(op)).config;
          config.train.seed = seed;
          const sgc::Precomputed pre = sgc::precompute(std::move(data), config);
          ev = sgc::fit_evaluate(pre, config.train, nullptr, &model);
        }
        py::dict out;
        out["train_acc"] = ev.train_acc;
        out["val_acc"] = ev.val_acc;
        out["test_acc"] = ev.test_acc;
        out["final_loss"] = ev.final_loss;
        out["theta"] = to_numpy(std::move(model.theta));
        return out;
      },
      py::arg("name"), py::arg("dir") = std::string(), py::arg("seed") = uint64_t(42),
      py::arg("op") = std::string(sgc::default_operator().name));

  m.def("set_num_threads", &sgc::set_num_threads, py::arg("n"),
        "OpenMP threads for the calls that follow from this thread (0: the default; sgc::set_num_threads).");
  m.def("get_num_threads", &sgc::num_threads);
  m.def("set_device", [](const std::string& name) { sgc::set_device(sgc::parse_device(name)); }, py::arg("name"),
        "Where propagation and training run: 'cpu' or 'cuda' (sgc::set_device; an error naming why without a GPU).");
  m.def("get_device", [] { return sgc::to_string(sgc::current_device()); });
  m.def("cuda_unavailable_reason", &sgc::cuda_unavailable_reason);
}

}  // namespace sgc_py

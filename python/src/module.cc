// PYBIND11_MODULE(_core): the extension behind `import sgc`.
//
// Exceptions: sgc::FileError -> sgc.FileError (a FileNotFoundError),
// sgc::FormatError -> sgc.FormatError and sgc::ArgumentError ->
// sgc.ArgumentError (both ValueErrors), sgc::ResourceError ->
// sgc.ResourceError (a MemoryError: a cap would be exceeded), any other
// sgc::Error -> sgc.Error; each carries the C++ message, with its
// command-line flags named as Python's keywords (keyword_message).
// sgc::Interrupted (Ctrl-C during a call, see NoGil) -> KeyboardInterrupt.
// Wrong dtypes raise TypeError.
//
// Operator parameters travel as a dict {"op": name, parameter: value} that is
// converted to JSON and read by sgc::operator_from_json, the library's one
// (de)serialisation of a spec; the parameters, their types and defaults come
// from the library's registry (sgc::operator_params(), sgc::operators()).
#include <cctype>
#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <pybind11/functional.h>

#include "common.h"
#include "sgc/data/generators.h"
#include "sgc/error.h"
#include "sgc/graph/normalizations.h"
#include "sgc/model/config.h"
#include "sgc/model/model_params.h"
#include "sgc/model/optimizer.h"
#include "sgc/ops/operator.h"
#include "sgc/presets.h"
#include "sgc/util/budget.h"
#include "sgc/util/interrupt.h"

#ifndef SGC_VERSION
#define SGC_VERSION "0"
#endif

namespace sgc_py {

namespace {
// Whether this call may take over SIGINT: the main thread, with Python's
// default handler (signal.default_int_handler) in place.
bool own_sigint() {
  static const unsigned long main_ident =
      py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  if (PyThread_get_thread_ident() != main_ident) return false;
  const py::module_ signal = py::module_::import("signal");
  return signal.attr("getsignal")(signal.attr("SIGINT")).is(signal.attr("default_int_handler"));
}
}  // namespace

NoGil::NoGil() {
  // A Ctrl-C while the call converted its arguments went to Python's handler
  // and waits there: raise it now, before the long work, not after it.
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  if (own_sigint()) handler_.emplace();
  nogil_.emplace();
}

NoGil::~NoGil() {
  nogil_.reset();  // the GIL again
  if (handler_ && handler_->interrupted_late()) PyErr_SetInterrupt();
  handler_.reset();  // Python's handler again
}

void register_model(py::module_& m);
void register_data(py::module_& m);
void register_attack(py::module_& m);
void register_graph_model(py::module_& m);
void register_tune(py::module_& m);

namespace {

const char* type_name(sgc::ParamDef::Type t) {
  switch (t) {
    case sgc::ParamDef::Type::Int: return "int";
    case sgc::ParamDef::Type::Real: return "float";
    case sgc::ParamDef::Type::RealList: return "list[float]";
    case sgc::ParamDef::Type::Normalization:
    case sgc::ParamDef::Type::Choice: return "str";
  }
  return "object";
}

py::list strings(const std::vector<std::string_view>& v) {
  py::list out;
  for (std::string_view s : v) out.append(py::str(s.data(), s.size()));
  return out;
}

py::str str(std::string_view s) { return py::str(s.data(), s.size()); }

}  // namespace

namespace {

std::vector<int32_t> optional_ids(const py::object& rows, int64_t n, const char* what) {
  if (rows.is_none()) return {};
  return ids_from(py::array::ensure(rows), n, what);
}

py::array_t<float> features_impl(py::handle adj, py::handle x, const std::string& feature_norm,
                                 const py::dict& spec_params, const py::object& rows) {
  const sgc::OperatorSpec spec = spec_from(spec_params);
  const sgc::FeatureNorm norm = sgc::parse_feature_norm(feature_norm);
  Features f = features_from(x);
  const sgc::CsrMatrix a = adjacency_from(adj, f.rows);
  const std::vector<int32_t> ids = optional_ids(rows, a.rows, "rows");
  sgc::DenseMatrix out;
  {
    NoGil nogil;
    out = compute_features(a, f, norm, spec, rows.is_none() ? nullptr : &ids);
  }
  return to_numpy(std::move(out));
}

// Timing helper for the benchmark: the same computation as propagate(adj, X)
// (normalise the graph, apply the operator), called directly on sgc types
// built beforehand, so no Python conversion is timed. A dense X is a C++
// caller's own float32 matrix: moved=false hands it to the library as a
// read-only view (sgc::DenseView, as the Python module hands over numpy's
// buffer; the caller keeps X), moved=true moves a copy in (made outside the
// timer; the library's cheapest call, which consumes X). evict_mb > 0: write
// that many MB of other memory right before each timed call, so every call
// starts with X out of the caches (a cold start, the same for both sides of
// the benchmark).
void evict_caches(std::vector<char>& buffer, int64_t mb) {
  if (mb <= 0) return;
  buffer.resize(size_t(mb) << 20);
  for (size_t i = 0; i < buffer.size(); i += 64) buffer[i] = char(buffer[i] + 1);
}

py::list time_cpp_propagate(py::handle adj, py::handle x, const py::dict& spec_params, int repeats, bool moved,
                            int64_t evict_mb) {
  std::vector<char> scratch;
  const sgc::OperatorSpec spec = spec_from(spec_params);
  Features f = features_from(x);
  const sgc::CsrMatrix a = adjacency_from(adj, f.rows);
  sgc::DenseMatrix xm;
  if (!f.sparse) xm = f.copy_dense();
  py::list times;
  for (int r = 0; r < repeats; ++r) {
    double secs;
    {
      NoGil nogil;
      sgc::DenseMatrix owned;
      if (moved && !f.sparse) owned = xm;
      evict_caches(scratch, evict_mb);
      const auto t0 = std::chrono::steady_clock::now();
      const sgc::CsrMatrix s = sgc::normalized_operator(a, spec);
      sgc::DenseMatrix out = f.sparse ? sgc::apply_operator(s, sgc::FeatureInput(f.csr), spec)
                             : moved  ? sgc::apply_operator(s, sgc::FeatureInput(std::move(owned)), spec)
                                      : sgc::apply_operator(s, sgc::FeatureInput(sgc::view_of(xm)), spec);
      secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    times.append(secs);
  }
  return times;
}

py::dict operator_info(const sgc::OperatorDef& d) {
  py::dict out;
  out["name"] = str(d.name);
  out["formula"] = str(d.formula);
  out["source"] = str(d.source);
  out["params"] = strings(d.params);
  out["min_k"] = d.min_k;
  return out;
}

// The preset of a data set (family, name) for an operator, as
// {"config": config_to_json(...), "source", "published_accuracy"}.
py::dict preset(const std::string& family, const std::string& name, const std::string& op, const std::string& model,
                const std::function<bool()>& has_negative_features) {
  const sgc::Preset p =
      sgc::preset_for(family, name, sgc::find_operator(op), sgc::find_model(model), has_negative_features);
  py::dict out;
  out["config"] = from_json(sgc::config_to_json(p.config));
  // Every parameter of the spec (config_to_json writes only the ones the operator reads).
  py::dict spec;
  for (const sgc::ParamDef& q : sgc::operator_params()) spec[str(q.name)] = from_json(q.get(p.config.op));
  out["spec"] = spec;
  out["source"] = p.source;
  out["published_accuracy"] = p.published_accuracy;
  return out;
}

}  // namespace

// The library names parameters by their command-line flags; Python's caller
// passed keywords. A leading "--weight-decay: x" becomes "weight_decay: x"
// (the data flags by their Python names: root, name, memory), and a flag of
// a parameter inside the text ("lower --lr or --weight-decay") its keyword.
// Other flags (sgc convert --in, --memory-limit beside sgc.set_limits) stay.
std::string keyword_message(const char* what) {
  static const std::set<std::string> keywords = [] {
    std::set<std::string> k = {"lr", "weight_decay", "epochs", "seed", "feature_norm", "protocol", "optimizer",
                               "model", "op", "device", "feature_store", "ogb_split", "split"};
    for (const sgc::ParamDef& p : sgc::operator_params()) k.insert(std::string(p.name));
    for (const sgc::OptimizerParamDef& p : sgc::optimizer_params()) k.insert(std::string(p.name));
    for (const sgc::ModelParamDef& p : sgc::model_params()) k.insert(std::string(p.name));
    for (const sgc::GeneratorParamDef& p : sgc::generator_params()) k.insert(std::string(p.name));
    return k;
  }();
  auto keyword = [](std::string flag) {
    for (char& c : flag)
      if (c == '-') c = '_';
    return flag;
  };
  auto flag_char = [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'; };
  const std::string m(what);
  std::string out;
  size_t at = 0;
  const size_t colon = m.find(": ");
  if (m.rfind("--", 0) == 0 && colon != std::string::npos &&
      m.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-", 2) == colon) {
    static const std::pair<std::string_view, std::string_view> renamed[] = {
        {"data-dir", "root"}, {"dataset", "name"}, {"memory-limit", "memory"}};
    std::string flag = m.substr(2, colon - 2);
    for (const auto& [from, to] : renamed)
      if (flag == from) flag = to;
    out = keyword(flag);
    at = colon;
  }
  for (size_t dash; (dash = m.find("--", at)) != std::string::npos;) {
    size_t end = dash + 2;
    while (end < m.size() && flag_char(m[end])) ++end;
    const bool starts_word = dash == 0 || !(std::isalnum(static_cast<unsigned char>(m[dash - 1])) || m[dash - 1] == '-');
    const std::string name = keyword(m.substr(dash + 2, end - dash - 2));
    out += m.substr(at, dash - at);
    out += starts_word && keywords.count(name) ? name : m.substr(dash, end - dash);
    at = end;
  }
  return out + m.substr(at);
}

}  // namespace sgc_py

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  using namespace sgc_py;
  m.doc() = "C++ core of the sgc package (Simple Graph Convolution); use the `sgc` package, not this module.";
  m.attr("__version__") = SGC_VERSION;

  // Exception classes, with the library's hierarchy and Python's built-ins as bases.
  static PyObject* error = PyErr_NewExceptionWithDoc("sgc.Error", "Base of the errors raised by the sgc engine.",
                                                     PyExc_Exception, nullptr);
  auto make = [](const char* name, const char* doc, PyObject* builtin) {
    PyObject* bases = PyTuple_Pack(2, error, builtin);
    PyObject* type = PyErr_NewExceptionWithDoc(name, doc, bases, nullptr);
    Py_DECREF(bases);
    return type;
  };
  static PyObject* file_error =
      make("sgc.FileError", "A file could not be opened (sgc::FileError).", PyExc_FileNotFoundError);
  static PyObject* format_error =
      make("sgc.FormatError", "A file or array is malformed (sgc::FormatError).", PyExc_ValueError);
  static PyObject* argument_error =
      make("sgc.ArgumentError", "A parameter is outside its domain (sgc::ArgumentError).", PyExc_ValueError);
  static PyObject* resource_error = make(
      "sgc.ResourceError",
      "A computation or an input would exceed a cap: the memory budget or the sparse-product cap "
      "(sgc::ResourceError; raise them with sgc.set_limits).",
      PyExc_MemoryError);
  if (!error || !file_error || !format_error || !argument_error || !resource_error) throw py::error_already_set();
  m.attr("ResourceError") = py::handle(resource_error);
  m.attr("Error") = py::handle(error);
  m.attr("FileError") = py::handle(file_error);
  m.attr("FormatError") = py::handle(format_error);
  m.attr("ArgumentError") = py::handle(argument_error);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const sgc::FileError& e) {
      PyErr_SetString(file_error, keyword_message(e.what()).c_str());
    } catch (const sgc::FormatError& e) {
      PyErr_SetString(format_error, keyword_message(e.what()).c_str());
    } catch (const sgc::ArgumentError& e) {
      PyErr_SetString(argument_error, keyword_message(e.what()).c_str());
    } catch (const sgc::ResourceError& e) {
      PyErr_SetString(resource_error, e.what());
    } catch (const sgc::Interrupted&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    } catch (const sgc::Error& e) {
      PyErr_SetString(error, keyword_message(e.what()).c_str());
    }
  });

  // ---- the registries ------------------------------------------------------
  m.def("operator_params", [] {
    py::list out;
    const sgc::OperatorSpec defaults;
    for (const sgc::ParamDef& p : sgc::operator_params())
      out.append(py::make_tuple(str(p.name), type_name(p.type), str(p.help), from_json(p.get(defaults))));
    return out;
  }, "The shared operator parameters (sgc::operator_params()): (name, type, help, default) each.");
  m.def("operators", [] {
    py::list out;
    for (const sgc::OperatorDef* d : sgc::operators()) out.append(operator_info(*d));
    return out;
  }, "Every operator of the registry: {name, formula, source, params, min_k}.");
  m.def("default_operator", [] { return str(sgc::default_operator().name); });
  m.def("optimizers", [] {
    py::list out;
    for (const sgc::OptimizerDef* o : sgc::optimizers()) {
      py::dict d;
      d["name"] = str(o->name);
      d["help"] = str(o->help);
      d["uses_lr"] = o->uses_lr;
      py::list params;
      for (std::string_view name : o->params) params.append(str(name));
      d["params"] = params;
      out.append(d);
    }
    return out;
  });
  m.def("normalization_names", [] {
    py::list out;
    for (const std::string& n : sgc::normalization_names()) out.append(n);
    return out;
  });
  m.def("validate_operator", [](const py::dict& spec) { sgc::validate_operator(spec_from(spec)); }, py::arg("spec"),
        "Reads the spec with sgc::operator_from_json (which validates it).");
  m.def("operator_to_json", [](const py::dict& spec) { return from_json(sgc::operator_to_json(spec_from(spec))); },
        py::arg("spec"), "The spec as the library serialises it (sgc::operator_to_json).");
  m.def("operator_summary", [](const py::dict& spec) { return sgc::operator_summary(spec_from(spec)); },
        py::arg("spec"));
  m.def("preset", &preset, py::arg("family"), py::arg("name"), py::arg("op"), py::arg("model") = "linear",
        py::arg("has_negative_features") = nullptr,
        "sgc::preset_for(family, name, find_operator(op), ...): {config, spec, source, published_accuracy}.");

  // ---- features ------------------------------------------------------------
  m.def("propagate",
        [](py::handle adj, py::handle x, const py::dict& spec, const py::object& rows) {
          return features_impl(adj, x, "none", spec, rows);
        },
        py::arg("adj"), py::arg("x"), py::arg("spec"), py::arg("rows") = py::none(),
        "The operator applied to X (float32 result): adj is a canonical scipy CSR matrix or an int edge_index "
        "(2, E); x a float32/float64 numpy array or a scipy CSR matrix.");
  m.def("features", &features_impl, py::arg("adj"), py::arg("x"), py::arg("feature_norm"), py::arg("spec"),
        py::arg("rows") = py::none(), "Feature normalisation (row | zscore | none), then propagate.");
  m.def(
      "normalized_adjacency",
      [](py::handle adj, int64_t n_nodes, const py::dict& spec_params) {
        const sgc::OperatorSpec spec = spec_from(spec_params);
        const sgc::CsrMatrix a = adjacency_from(adj, n_nodes);
        sgc::CsrMatrix s;
        {
          NoGil nogil;
          s = sgc::normalized_operator(a, spec);
        }
        return py::make_tuple(to_numpy(std::move(s.indptr)), to_numpy(std::move(s.indices)),
                              to_numpy(std::move(s.values)), py::make_tuple(s.rows, s.cols));
      },
      py::arg("adj"), py::arg("n_nodes"), py::arg("spec"));

  // ---- the caps (sgc/util/budget.h) ----------------------------------------
  m.def("set_memory_budget", &sgc::set_memory_budget, py::arg("bytes"));
  m.def("memory_budget", &sgc::memory_budget);
  m.def("parse_bytes", [](const std::string& text) { return sgc::parse_bytes(text, "memory"); }, py::arg("text"));
  m.def("set_max_products", &sgc::set_max_sparse_products, py::arg("n"));
  m.def("max_products", &sgc::max_sparse_products);
  m.def("planned_products", [](const py::dict& spec) { return sgc::planned_sparse_products(spec_from(spec)); },
        py::arg("spec"), "Sparse products the operator does (sgc::planned_sparse_products).");

  register_model(m);
  register_data(m);
  register_attack(m);
  register_graph_model(m);
  register_tune(m);

  m.def("_time_cpp_propagate", &time_cpp_propagate, py::arg("adj"), py::arg("x"), py::arg("spec"),
        py::arg("repeats"), py::arg("moved") = false, py::arg("evict_mb") = 0);
  m.def(
      "_reference_propagate",
      [](py::handle adj, py::handle x, const py::dict& spec_params) {
        // The library's path on an owned matrix (X copied into a DenseMatrix), for tests.
        const sgc::OperatorSpec spec = spec_from(spec_params);
        Features f = features_from(x);
        const sgc::CsrMatrix a = adjacency_from(adj, f.rows);
        sgc::DenseMatrix out;
        {
          NoGil nogil;
          const sgc::CsrMatrix s = sgc::normalized_operator(a, spec);
          out = f.sparse ? sgc::apply_operator(s, sgc::FeatureInput(f.csr), spec)
                         : sgc::apply_operator(s, sgc::FeatureInput(f.copy_dense()), spec);
        }
        return to_numpy(std::move(out));
      },
      py::arg("adj"), py::arg("x"), py::arg("spec"));
  m.def("_copy_stats", [] {
    py::dict d;
    d["dense_feature_copies"] = copy_stats().dense_feature_copies.load();
    return d;
  });
}

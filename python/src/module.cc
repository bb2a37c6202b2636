// PYBIND11_MODULE(_core): the extension behind `import sgc`.
//
// Exceptions: sgc::FileError -> sgc.FileError (a FileNotFoundError),
// sgc::FormatError -> sgc.FormatError and sgc::ArgumentError ->
// sgc.ArgumentError (both ValueErrors), any other sgc::Error -> sgc.Error;
// each carries the C++ message unchanged. Wrong dtypes raise TypeError.
//
// Operator parameters travel as a dict {field: value} of sgc::OperatorSpec
// (see spec_from): every field of the struct that the table below names is
// settable, fields the struct does not have are skipped at compile time, so
// the table can list fields before the library grows them.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <functional>
#include <type_traits>

#include "common.h"
#include "sgc/error.h"
#include <pybind11/stl.h>

#include "sgc/graph/normalizations.h"

#ifndef SGC_VERSION
#define SGC_VERSION "0"
#endif

namespace sgc_py {

void register_model(py::module_& m);
void register_data(py::module_& m);

namespace {

// ---- operator parameters ---------------------------------------------------

struct SpecField {
  std::string name;
  std::string type;  // "int", "float", "str", "bool"
  std::function<py::object(const sgc::OperatorSpec&)> get;
  std::function<void(sgc::OperatorSpec&, py::handle)> set;
};

template <class T>
const char* type_name() {
  if constexpr (std::is_same_v<T, std::string>) return "str";
  else if constexpr (std::is_same_v<T, bool>) return "bool";
  else if constexpr (std::is_integral_v<T>) return "int";
  else if constexpr (std::is_floating_point_v<T>) return "float";
  else return "object";
}

std::string type_of(py::handle v) { return py::str(py::type::of(v).attr("__name__")).cast<std::string>(); }

// Strict conversion of one operator parameter: TypeError for the wrong kind
// of value (a float for an int, None for a string), ValueError when an
// integer does not fit. Domain checks are the library's (validate_operator).
template <class T>
T cast_field(py::handle v, const std::string& name) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (!py::isinstance<py::str>(v)) throw py::type_error(name + ": expected a string, got " + type_of(v));
    return v.cast<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!py::isinstance<py::bool_>(v) && type_of(v) != "bool_")
      throw py::type_error(name + ": expected a bool, got " + type_of(v));
    return v.cast<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (py::isinstance<py::bool_>(v) || !PyIndex_Check(v.ptr()))
      throw py::type_error(name + ": expected an integer, got " + type_of(v));
    const py::int_ i = py::reinterpret_steal<py::int_>(PyNumber_Index(v.ptr()));
    if (!i) throw py::error_already_set();
    int overflow = 0;
    const long long x = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
    if (overflow || x < (long long)std::numeric_limits<T>::min() || x > (long long)std::numeric_limits<T>::max())
      throw py::value_error(name + ": " + py::str(py::handle(i)).cast<std::string>() + " is out of range");
    return static_cast<T>(x);
  } else {
    static_assert(std::is_floating_point_v<T>);
    if (py::isinstance<py::bool_>(v) || py::isinstance<py::str>(v) || !PyNumber_Check(v.ptr()))
      throw py::type_error(name + ": expected a number, got " + type_of(v));
    const double x = PyFloat_AsDouble(v.ptr());
    if (x == -1.0 && PyErr_Occurred()) throw py::error_already_set();
    return static_cast<T>(x);
  }
}

// Registers OperatorSpec::NAME if the struct has it. Everything inside the
// `if constexpr` depends on S, so a missing member is never instantiated.
#define SGC_SPEC_FIELD(NAME)                                                                             \
  [&]<class S>(S*) {                                                                                     \
    if constexpr (requires(S& s) { s.NAME; }) {                                                          \
      using T = std::decay_t<decltype(std::declval<S&>().NAME)>;                                         \
      fields.push_back(SpecField{                                                                        \
          #NAME, type_name<T>(), [](const sgc::OperatorSpec& s) { return py::cast(static_cast<const S&>(s).NAME); }, \
          [](sgc::OperatorSpec& s, py::handle v) { static_cast<S&>(s).NAME = cast_field<T>(v, #NAME); }}); \
    }                                                                                                    \
  }(static_cast<sgc::OperatorSpec*>(nullptr))

// The fields of sgc::OperatorSpec (src/sgc/ops/operator.h). Add a line when
// the struct grows; names the struct lacks are ignored.
const std::vector<SpecField>& spec_fields() {
  static const std::vector<SpecField> table = [] {
    std::vector<SpecField> fields;
    SGC_SPEC_FIELD(op);
    SGC_SPEC_FIELD(k);
    SGC_SPEC_FIELD(norm);
    SGC_SPEC_FIELD(self_loop);
    // Parameters of the SGC family (issue 4), picked up once the struct has them.
    SGC_SPEC_FIELD(t);
    SGC_SPEC_FIELD(alpha);
    SGC_SPEC_FIELD(tol);
    SGC_SPEC_FIELD(max_iter);
    SGC_SPEC_FIELD(truncate);
    SGC_SPEC_FIELD(concat);
    return fields;
  }();
  return table;
}

std::string known_fields() {
  std::string s;
  for (const auto& f : spec_fields()) s += (s.empty() ? "" : ", ") + f.name;
  return s;
}

py::dict spec_to_dict(const sgc::OperatorSpec& spec) {
  py::dict d;
  for (const auto& f : spec_fields()) d[py::str(f.name)] = f.get(spec);
  return d;
}

}  // namespace

sgc::OperatorSpec spec_from(const py::dict& params) {
  sgc::OperatorSpec spec;
  for (const auto& [key, value] : params) {
    const std::string name = py::str(key).cast<std::string>();
    const auto& fields = spec_fields();
    auto it = std::find_if(fields.begin(), fields.end(), [&](const SpecField& f) { return f.name == name; });
    if (it == fields.end())
      throw py::type_error("unknown operator parameter '" + name + "' (known: " + known_fields() + ")");
    it->set(spec, value);
  }
  return spec;
}

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
    py::gil_scoped_release nogil;
    out = compute_features(a, f, norm, spec, rows.is_none() ? nullptr : &ids);
  }
  return to_numpy(std::move(out));
}

// Median-free timing helper for the benchmark: the same computation as
// propagate(adj, X) (normalise the graph, apply the operator), called
// directly on sgc types built beforehand, so no Python conversion is timed.
// moved=false: apply_operator(s, x, spec) with x an lvalue (the library
// copies it, as any caller that keeps its X does); moved=true: the copy is
// made outside the timer and moved in (the library's cheapest call).
// evict_mb > 0: write that many MB of other memory right before each timed
// call, so every call starts with X out of the caches (a cold start, the
// same for both sides of the benchmark).
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
  py::list times;
  if (f.sparse) {
    for (int r = 0; r < repeats; ++r) {
      double secs;
      {
        py::gil_scoped_release nogil;
        evict_caches(scratch, evict_mb);
        const auto t0 = std::chrono::steady_clock::now();
        const sgc::CsrMatrix s = sgc::normalized_operator(a, spec);
        sgc::DenseMatrix out = sgc::apply_operator(s, f.csr, spec);
        secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
      times.append(secs);
    }
    return times;
  }
  const sgc::DenseMatrix xm = f.copy_dense();
  for (int r = 0; r < repeats; ++r) {
    double secs;
    {
      py::gil_scoped_release nogil;
      sgc::DenseMatrix owned;
      if (moved) owned = xm;
      evict_caches(scratch, evict_mb);
      const auto t0 = std::chrono::steady_clock::now();
      const sgc::CsrMatrix s = sgc::normalized_operator(a, spec);
      sgc::DenseMatrix out = moved ? sgc::apply_operator(s, std::move(owned), spec) : sgc::apply_operator(s, xm, spec);
      secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    times.append(secs);
  }
  return times;
}

}  // namespace

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
  if (!error || !file_error || !format_error || !argument_error) throw py::error_already_set();
  m.attr("Error") = py::handle(error);
  m.attr("FileError") = py::handle(file_error);
  m.attr("FormatError") = py::handle(format_error);
  m.attr("ArgumentError") = py::handle(argument_error);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const sgc::FileError& e) {
      PyErr_SetString(file_error, e.what());
    } catch (const sgc::FormatError& e) {
      PyErr_SetString(format_error, e.what());
    } catch (const sgc::ArgumentError& e) {
      PyErr_SetString(argument_error, e.what());
    } catch (const sgc::Error& e) {
      PyErr_SetString(error, e.what());
    }
  });

  m.def("spec_fields", [] {
    py::list out;
    const sgc::OperatorSpec defaults;
    for (const auto& f : spec_fields()) out.append(py::make_tuple(f.name, f.type, f.get(defaults)));
    return out;
  }, "The fields of sgc::OperatorSpec: (name, type, default) each.");
  m.def("operator_names", [] { return sgc::operator_names(); });
  m.def("operator_parameters", &sgc::operator_parameters, py::arg("op"),
        "The OperatorSpec fields the operator reads besides norm and self_loop.");
  m.def("normalization_names", [] { return sgc::normalization_names(); });
  m.def("validate_operator", [](const py::dict& spec) { sgc::validate_operator(spec_from(spec)); }, py::arg("spec"));

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
          py::gil_scoped_release nogil;
          s = sgc::normalized_operator(a, spec);
        }
        return py::make_tuple(to_numpy(std::move(s.indptr)), to_numpy(std::move(s.indices)),
                              to_numpy(std::move(s.values)), py::make_tuple(s.rows, s.cols));
      },
      py::arg("adj"), py::arg("n_nodes"), py::arg("spec"));
  m.def("paper_defaults", [](const std::string& dataset) {
    const sgc::SgcConfig c = sgc::paper_defaults(dataset);
    py::dict out;
    out["op"] = spec_to_dict(c.op);
    out["feature_norm"] = sgc::to_string(c.feature_norm);
    out["optimizer"] = c.train.optimizer;
    out["lr"] = c.train.lr;
    out["epochs"] = c.train.epochs;
    out["weight_decay"] = c.train.weight_decay;
    out["seed"] = c.train.seed;
    return out;
  }, py::arg("dataset"));

  register_model(m);
  register_data(m);

  m.def("_time_cpp_propagate", &time_cpp_propagate, py::arg("adj"), py::arg("x"), py::arg("spec"),
        py::arg("repeats"), py::arg("moved") = false, py::arg("evict_mb") = 0);
  m.def(
      "_reference_propagate",
      [](py::handle adj, py::handle x, const py::dict& spec_params) {
        // The library's own path (X copied into a DenseMatrix), for tests.
        const sgc::OperatorSpec spec = spec_from(spec_params);
        Features f = features_from(x);
        const sgc::CsrMatrix a = adjacency_from(adj, f.rows);
        sgc::DenseMatrix out;
        {
          py::gil_scoped_release nogil;
          const sgc::CsrMatrix s = sgc::normalized_operator(a, spec);
          out = f.sparse ? sgc::apply_operator(s, f.csr, spec) : sgc::apply_operator(s, f.copy_dense(), spec);
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

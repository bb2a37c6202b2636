// Shared pieces of the `sgc._core` extension: conversions between numpy /
// scipy.sparse / Python objects and the library's types. Bindings only: the
// computations (normalisation, propagation, checks of values and parameter
// domains, training) are the library's, reached through the public headers of
// src/sgc; nothing in the library knows about Python.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sgc/data/feature_norm.h"
#include "sgc/dense.h"
#include "sgc/error.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/spmm.h"
#include "sgc/util/interrupt.h"

namespace sgc_py {

namespace py = pybind11;

// A library message with its command-line flags named as Python's keywords
// ("--weight-decay: x" -> "weight_decay: x"; module.cc says which).
std::string keyword_message(const char* what);

// Runs `load` (a call of sgc::load_dataset) for a function whose keywords are
// `dataset` and `data_dir` (sgc.tune, sgc.attack): an ArgumentError that names
// --dataset or --data-dir is raised naming those, where keyword_message would
// name load_dataset's `name` and `root`.
template <class Load>
auto load_for_dataset_keyword(Load&& load) {
  try {
    return load();
  } catch (const sgc::ArgumentError& e) {
    std::string what = e.what();
    for (const auto& [flag, keyword] : {std::pair{"--dataset: ", "dataset: "}, {"--data-dir: ", "data_dir: "}})
      if (what.rfind(flag, 0) == 0) throw sgc::ArgumentError(keyword + what.substr(std::string(flag).size()));
    throw;
  }
}

// ---- long calls ------------------------------------------------------------

// Releases the GIL for a library call and makes the call interruptible: on
// the main thread, while Python's own SIGINT handler is the default one
// (KeyboardInterrupt), the library's handler (sgc::ScopedInterruptHandler) is
// installed for the call, so Ctrl-C stops the next sparse product or loss
// evaluation with sgc::Interrupted (raised as KeyboardInterrupt); Python's
// handler is restored afterwards, and a Ctrl-C that arrived after the last
// check is handed to Python (PyErr_SetInterrupt), and one that arrived
// before the handler was installed is raised first. Other threads, or a
// custom Python handler: only the GIL is released.
class NoGil {
 public:
  NoGil();
  ~NoGil();
  NoGil(const NoGil&) = delete;
  NoGil& operator=(const NoGil&) = delete;

 private:
  std::optional<sgc::ScopedInterruptHandler> handler_;
  std::optional<py::gil_scoped_release> nogil_;
};

// ---- input ---------------------------------------------------------------

// A scipy.sparse CSR matrix (csr_matrix or csr_array, canonical format: the
// Python layer sums duplicates and sorts first) copied into sgc's layout:
// indptr int32/int64 -> int64, indices int32/int64 -> int32, data
// float32/float64 -> float32, then checked with sgc::validate_csr under `what`
// (FormatError: unsorted/out-of-range columns, non-finite values).
sgc::CsrMatrix csr_from_scipy(py::handle obj, const std::string& what);

// The adjacency of an `n`-node graph from an edge_index array (2, E) of
// integers: A[edge_index[0, e], edge_index[1, e]] = 1, duplicates collapsed.
sgc::CsrMatrix csr_from_edge_index(const py::array& edge_index, int64_t n);

// The graph argument of the Python API: a scipy CSR object or an edge_index
// array (the Python layer has already converted csc/coo and checked dtypes).
sgc::CsrMatrix adjacency_from(py::handle adj, int64_t n_nodes);

// Node features as the Python layer hands them over: a numpy array of
// float32/float64 or a scipy CSR matrix. A float32 C-contiguous array is
// handed to the library as a read-only view of the caller's buffer
// (sgc::DenseView, no copy); everything else is copied into an owned float32
// matrix when it is used.
struct Features {
  bool sparse = false;
  sgc::CsrMatrix csr;           // sparse input
  py::array array;              // dense input (keeps the buffer alive)
  const float* view = nullptr;  // set when `array` can be read in place
  int64_t rows = 0, cols = 0;
  // Raw layout of a dense input, read without the GIL by copy_dense().
  const char* base = nullptr;
  int64_t stride0 = 0, stride1 = 0;  // bytes
  bool f64 = false;

  // The view of a float32 C-contiguous input (view != nullptr).
  sgc::DenseView dense_view() const { return sgc::DenseView(view, rows, cols); }
  // Owned float32 copy of a dense input, checked finite with
  // sgc::require_finite (ArgumentError naming the first bad entry). Counted
  // in copy_stats(). GIL not needed.
  sgc::DenseMatrix copy_dense() const;
};
Features features_from(py::handle x);

// Non-negative node ids (< n) from an integer numpy array, as int32.
std::vector<int32_t> ids_from(const py::array& ids, int64_t n, const char* what);

// A Python value as JSON: None, bool, int (numpy integers too), float, str,
// list / tuple / 1-D numpy array, dict with str keys. TypeError otherwise.
nlohmann::json to_json(py::handle v);
// And back: JSON as the Python objects above (objects -> dict, arrays -> list).
py::object from_json(const nlohmann::json& j);

// sgc::OperatorSpec from {"op": name, parameter: value, ...} (the registry's
// parameter names), through sgc::operator_from_json: the library reads the
// values, names the parameter of a wrongly typed value and validates the
// domains (ArgumentError). The Python layer checks the types first, so users
// get TypeError as for any Python function.
sgc::OperatorSpec spec_from(const py::dict& params);

// ---- output --------------------------------------------------------------

// numpy arrays that take over the storage of C++ objects (no copy): the
// object is moved to the heap and freed when the array is.
py::array_t<float> to_numpy(sgc::DenseMatrix&& m);
py::array_t<float> to_numpy(Eigen::VectorXf&& v);
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v);

// A read-only float32 row-major view of a 2-D numpy array (C-contiguous
// float32 required; the Python layer guarantees it).
sgc::DenseView dense_view(const py::array& a, const char* what);

// ---- the feature pipeline ------------------------------------------------

// Counters the tests use to check that the zero-copy paths stay zero-copy:
// the copies of X this module makes (the library's own copies, e.g. of a view
// for an operator that cannot read it in place, are not counted).
struct CopyStats {
  std::atomic<int64_t> dense_feature_copies{0};  // dense X copied into an owned matrix
};
CopyStats& copy_stats();

// F = operator(S, norm(X)) with S = normalized_operator(adj, spec), built
// where it is propagated (sgc::run_operator_on_adjacency: on the GPU with
// device "cuda"): of every node, or of the nodes in *rows (in that order).
// Runs without the GIL.
//
// A float32 C-contiguous X with feature_norm "none" goes to
// the library as a DenseView of numpy's buffer (the library reads it
// in place where the operator can, and checks it finite); any other dense X
// is copied once (copy_dense) and moved in; sparse X is normalised with
// sgc::normalize_features (z-score densifies) and handed over as it is, or,
// for chosen rows where sgc::sparse_head_pays, propagated as `sgc train`
// makes its train and val rows (sgc::sparse_head_rows), so that the
// estimator trains bitwise the command line's model.
sgc::DenseMatrix compute_features(const sgc::CsrMatrix& adj, Features& x, sgc::FeatureNorm norm,
                                  const sgc::OperatorSpec& spec, const std::vector<int32_t>* rows);

}  // namespace sgc_py

// Shared pieces of the `sgc._core` extension: conversions between numpy /
// scipy.sparse objects and the library's types, and the feature pipeline the
// Python functions call. Everything here sits on the public headers of
// src/sgc; nothing in the library knows about Python.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/operator.h"
#include "sgc/pipeline.h"

namespace sgc_py {

namespace py = pybind11;

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
// float32/float64 or a scipy CSR matrix. A float32 C-contiguous array is kept
// as a view of the caller's buffer (no copy); everything else is converted
// into an owned float32 matrix when it is used.
struct Features {
  bool sparse = false;
  sgc::CsrMatrix csr;        // sparse input
  py::array array;           // dense input (keeps the buffer alive)
  const float* view = nullptr;  // set when `array` can be used in place
  int64_t rows = 0, cols = 0;
  // Raw layout of a dense input, read without the GIL by copy_dense().
  const char* base = nullptr;
  int64_t stride0 = 0, stride1 = 0;  // bytes
  bool f64 = false;

  // Owned float32 copy of a dense input, with every value checked finite
  // (ArgumentError naming the first bad entry otherwise). GIL not needed.
  sgc::DenseMatrix copy_dense() const;
};
Features features_from(py::handle x);

// Non-negative node ids (< n) from an integer numpy array, as int32.
std::vector<int32_t> ids_from(const py::array& ids, int64_t n, const char* what);

// sgc::OperatorSpec from {field: value}; TypeError for an unknown field or a
// value of the wrong kind (the domain checks stay with validate_operator).
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
Eigen::Map<const sgc::DenseMatrix> dense_view(const py::array& a, const char* what);

// ---- the feature pipeline ------------------------------------------------

// Counters the tests use to check that the zero-copy paths stay zero-copy.
struct CopyStats {
  std::atomic<int64_t> dense_feature_copies{0};  // dense X copied into an owned matrix
};
CopyStats& copy_stats();

// F = operator(S, norm(X)) with S = normalized_operator(adj, spec): of every
// node, or of the nodes in *rows (in that order). Runs without the GIL.
//
// For op "sgc" with K >= 1, no feature normalisation and a float32
// C-contiguous X, the first hop S X reads the caller's buffer directly (the
// same kernel and summation order as sgc::spmm, so the result is bitwise the
// library's) and the remaining K - 1 hops are sgc::apply_operator. Every other
// case copies X once, as apply_operator takes the matrix by value.
sgc::DenseMatrix compute_features(const sgc::CsrMatrix& adj, Features& x, sgc::FeatureNorm norm,
                                  const sgc::OperatorSpec& spec, const std::vector<int32_t>* rows);

// True when x[0..n) holds only finite values: the maximum of the exponent
// bits is all ones only for inf or NaN. A plain loop on purpose: GCC
// vectorises this integer max reduction by itself (an `omp simd reduction`
// here compiled to a store per element and made the first hop 2x slower).
inline bool all_finite(const float* x, int64_t n) {
  uint32_t worst = 0;
  for (int64_t j = 0; j < n; ++j) {
    uint32_t bits;
    std::memcpy(&bits, x + j, sizeof bits);
    bits &= 0x7f800000u;
    worst = worst > bits ? worst : bits;
  }
  return worst != 0x7f800000u;
}

// Checks that x[0 .. n) holds only finite values; throws sgc::ArgumentError
// naming `what` and the first offending (row, column) otherwise. Parallel.
void check_finite(const float* x, int64_t rows, int64_t cols, const char* what);

}  // namespace sgc_py

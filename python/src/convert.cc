// numpy / scipy.sparse <-> sgc types. See common.h.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common.h"
#include "sgc/data/dataset.h"
#include "sgc/error.h"

namespace sgc_py {

namespace {

// Element kind and size, in native byte order (byte-swapped arrays do not match).
bool is_dtype(const py::array& a, char kind, py::ssize_t itemsize) {
  if (a.dtype().kind() != kind || a.itemsize() != itemsize) return false;
  const char order = a.dtype().attr("byteorder").cast<std::string>()[0];
  return order == '=' || order == '|' || order == (PY_BIG_ENDIAN ? '>' : '<');
}

std::string dtype_name(const py::array& a) { return py::str(a.dtype()).cast<std::string>(); }

// A 1-D attribute array of a scipy matrix, C-contiguous in its own dtype.
py::array attr_array(py::handle obj, const char* name, const std::string& what) {
  py::object value = obj.attr(name);
  if (!py::isinstance<py::array>(value))
    throw py::type_error(what + ": ." + name + " is not a numpy array");
  py::array a = py::reinterpret_borrow<py::array>(value);
  if (a.ndim() != 1) throw sgc::FormatError(what + ": ." + name + " is not one-dimensional");
  if (!(a.flags() & py::array::c_style)) a = py::array::ensure(a, py::array::c_style);
  return a;
}

// out[i] = T(in[i]) for a contiguous array of element type In.
template <class Out, class In>
void convert_copy(std::vector<Out>& out, const py::array& a) {
  const In* in = static_cast<const In*>(a.data());
  const int64_t n = a.size();
  out.resize(size_t(n));
  py::gil_scoped_release nogil;
  if constexpr (std::is_same_v<Out, In>) {
    // Parallel memcpy in blocks (big feature matrices: several MB).
    constexpr int64_t kBlock = int64_t(1) << 18;
    const int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (blocks > 1)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t lo = b * kBlock, len = std::min(kBlock, n - lo);
      std::memcpy(out.data() + lo, in + lo, size_t(len) * sizeof(In));
    }
  } else {
#pragma omp parallel for schedule(static) if (n > (1 << 20))
    for (int64_t i = 0; i < n; ++i) out[size_t(i)] = static_cast<Out>(in[i]);
  }
}

void refuse_out_of_float32_range(double value, const std::string& what, const std::string& where) {
  throw sgc::ArgumentError(what + ": " + sgc::outside_float32_range(value, where));
}

// The first element of a uint64 array that is >= n, in C order (-1: none;
// other dtypes: -1). Cast to int64 first, one above 2^63 would read as a
// negative id.
int64_t first_unsigned_at_or_above(const py::array& a, int64_t n, uint64_t* value) {
  if (a.dtype().kind() != 'u' || a.itemsize() != 8) return -1;
  const auto u = py::array_t<uint64_t, py::array::c_style | py::array::forcecast>::ensure(a);
  const uint64_t* p = u.data();
  for (py::ssize_t i = 0; i < u.size(); ++i)
    if (p[i] >= uint64_t(n)) {
      *value = p[i];
      return int64_t(i);
    }
  return -1;
}

}  // namespace

sgc::CsrMatrix csr_from_scipy(py::handle obj, const std::string& what) {
  py::tuple shape = obj.attr("shape");
  if (shape.size() != 2) throw sgc::FormatError(what + ": expected a 2-D sparse matrix");
  sgc::CsrMatrix a;
  a.rows = shape[0].cast<int64_t>();
  a.cols = shape[1].cast<int64_t>();
  const py::array indptr = attr_array(obj, "indptr", what);
  const py::array indices = attr_array(obj, "indices", what);
  const py::array data = attr_array(obj, "data", what);

  if (is_dtype(indptr, 'i', 8)) convert_copy<int64_t, int64_t>(a.indptr, indptr);
  else if (is_dtype(indptr, 'i', 4)) convert_copy<int64_t, int32_t>(a.indptr, indptr);
  else throw py::type_error(what + ": indptr dtype " + dtype_name(indptr) + " (expected int32 or int64)");

  if (is_dtype(indices, 'i', 4)) {
    convert_copy<int32_t, int32_t>(a.indices, indices);
  } else if (is_dtype(indices, 'i', 8)) {
    // 64-bit column ids (scipy's choice for big matrices) must fit sgc's 32-bit ones.
    const int64_t* in = static_cast<const int64_t*>(indices.data());
    for (py::ssize_t i = 0; i < indices.size(); ++i)
      if (in[i] < 0 || in[i] > std::numeric_limits<int32_t>::max())
        throw sgc::FormatError(what + ": column index " + std::to_string(in[i]) + " does not fit in int32");
    convert_copy<int32_t, int64_t>(a.indices, indices);
  } else {
    throw py::type_error(what + ": indices dtype " + dtype_name(indices) + " (expected int32 or int64)");
  }

  if (is_dtype(data, 'f', 4)) {
    convert_copy<float, float>(a.values, data);
  } else if (is_dtype(data, 'f', 8)) {
    convert_copy<float, double>(a.values, data);
    const double* in = static_cast<const double*>(data.data());
    for (size_t k = 0; k < a.values.size(); ++k)
      if (std::isinf(a.values[k]) && std::isfinite(in[k]))
        refuse_out_of_float32_range(in[k], what, ".data[" + std::to_string(k) + "]");
  } else {
    throw py::type_error(what + ": data dtype " + dtype_name(data) + " (expected float32 or float64)");
  }

  py::gil_scoped_release nogil;
  sgc::validate_csr(a, what.c_str());
  return a;
}

sgc::CsrMatrix csr_from_edge_index(const py::array& edge_index, int64_t n) {
  if (edge_index.ndim() != 2 || edge_index.shape(0) != 2)
    throw sgc::ArgumentError("edge_index: expected shape (2, E)");
  if (edge_index.dtype().kind() != 'i' && edge_index.dtype().kind() != 'u')
    throw py::type_error("edge_index: dtype " + dtype_name(edge_index) + " is not an integer type");
  const int64_t e = edge_index.shape(1);
  uint64_t big = 0;
  if (const int64_t at = first_unsigned_at_or_above(edge_index, n, &big); at >= 0)
    throw sgc::ArgumentError("edge_index: node id " + std::to_string(big) + " (edge " + std::to_string(at % e) +
                             ") out of range [0, " + std::to_string(n) + ")");
  const auto ei = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(edge_index);
  const int64_t* src = ei.data();
  const int64_t* dst = src + e;
  py::gil_scoped_release nogil;
  std::vector<sgc::Triplet> t(static_cast<size_t>(e));
  for (int64_t i = 0; i < e; ++i) {
    for (const int64_t v : {src[i], dst[i]})
      if (v < 0 || v >= n)
        throw sgc::ArgumentError("edge_index: node id " + std::to_string(v) + " (edge " + std::to_string(i) +
                                 ") out of range [0, " + std::to_string(n) + ")");
    t[size_t(i)] = {int32_t(src[i]), int32_t(dst[i]), 1.0f};
  }
  return sgc::csr_from_triplets(n, n, std::move(t), /*combine_max=*/true);
}

sgc::CsrMatrix adjacency_from(py::handle adj, int64_t n_nodes) {
  if (py::isinstance<py::array>(adj)) return csr_from_edge_index(py::reinterpret_borrow<py::array>(adj), n_nodes);
  return csr_from_scipy(adj, "adjacency");
}

Features features_from(py::handle x) {
  Features f;
  if (!py::isinstance<py::array>(x)) {
    f.sparse = true;
    f.csr = csr_from_scipy(x, "X");
    f.rows = f.csr.rows;
    f.cols = f.csr.cols;
    return f;
  }
  f.array = py::reinterpret_borrow<py::array>(x);
  if (f.array.ndim() != 2) throw sgc::ArgumentError("X: expected a 2-D array, got " + std::to_string(f.array.ndim()) + "-D");
  if (!is_dtype(f.array, 'f', 4) && !is_dtype(f.array, 'f', 8))
    throw py::type_error("X: dtype " + dtype_name(f.array) + " is not supported (expected float32 or float64)");
  f.rows = f.array.shape(0);
  f.cols = f.array.shape(1);
  f.base = static_cast<const char*>(f.array.data());
  f.stride0 = f.array.strides(0);
  f.stride1 = f.array.strides(1);
  f.f64 = f.array.itemsize() == 8;
  const bool contiguous = (f.array.flags() & py::array::c_style) != 0;
  const bool aligned = (reinterpret_cast<uintptr_t>(f.array.data()) % alignof(float)) == 0;
  if (is_dtype(f.array, 'f', 4) && contiguous && aligned) f.view = static_cast<const float*>(f.array.data());
  return f;
}

sgc::DenseMatrix Features::copy_dense() const {
  // Reads the numpy buffer through its strides; no Python API calls here.
  const int64_t s0 = stride0, s1 = stride1;
  sgc::DenseMatrix m(rows, cols);
  ++copy_stats().dense_feature_copies;
#pragma omp parallel for schedule(static) if (rows * cols > (int64_t(1) << 18))
  for (int64_t i = 0; i < rows; ++i) {
    float* out = m.data() + i * cols;
    const char* row = base + i * s0;
    if (f64) {
      for (int64_t j = 0; j < cols; ++j) out[j] = static_cast<float>(*reinterpret_cast<const double*>(row + j * s1));
    } else if (s1 == sizeof(float)) {
      std::memcpy(out, row, size_t(cols) * sizeof(float));
    } else {
      for (int64_t j = 0; j < cols; ++j) out[j] = *reinterpret_cast<const float*>(row + j * s1);
    }
  }
  if (f64) {
    const int64_t at = sgc::first_non_finite(m.data(), rows * cols);
    const double v = at < 0 ? 0.0 : *reinterpret_cast<const double*>(base + (at / cols) * s0 + (at % cols) * s1);
    if (at >= 0 && std::isfinite(v))
      refuse_out_of_float32_range(v, "X", "row " + std::to_string(at / cols) + ", column " + std::to_string(at % cols));
  }
  sgc::require_finite(m.data(), rows, cols, "X");
  return m;
}

std::vector<int32_t> ids_from(const py::array& ids, int64_t n, const char* what) {
  if (ids.ndim() != 1) throw sgc::ArgumentError(std::string(what) + ": expected a 1-D array of node ids");
  if (ids.dtype().kind() != 'i' && ids.dtype().kind() != 'u')
    throw py::type_error(std::string(what) + ": dtype " + dtype_name(ids) + " is not an integer type");
  uint64_t big = 0;
  if (first_unsigned_at_or_above(ids, n, &big) >= 0)
    throw sgc::ArgumentError(std::string(what) + ": node id " + std::to_string(big) + " out of range [0, " +
                             std::to_string(n) + ")");
  const auto a = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(ids);
  std::vector<int32_t> out(static_cast<size_t>(a.size()));
  const int64_t* p = a.data();
  for (py::ssize_t i = 0; i < a.size(); ++i) {
    if (p[i] < 0 || p[i] >= n)
      throw sgc::ArgumentError(std::string(what) + ": node id " + std::to_string(p[i]) + " out of range [0, " +
                               std::to_string(n) + ")");
    out[size_t(i)] = static_cast<int32_t>(p[i]);
  }
  return out;
}

py::array_t<float> to_numpy(sgc::DenseMatrix&& m) {
  const py::ssize_t r = m.rows(), c = m.cols();
  if (r == 0 || c == 0) return py::array_t<float>({r, c});
  auto* owned = new sgc::DenseMatrix(std::move(m));
  py::capsule base(owned, [](void* p) { delete static_cast<sgc::DenseMatrix*>(p); });
  return py::array_t<float>({r, c}, {c * py::ssize_t(sizeof(float)), py::ssize_t(sizeof(float))}, owned->data(),
                            base);
}

py::array_t<float> to_numpy(Eigen::VectorXf&& v) {
  const py::ssize_t n = v.size();
  if (n == 0) return py::array_t<float>(0);
  auto* owned = new Eigen::VectorXf(std::move(v));
  py::capsule base(owned, [](void* p) { delete static_cast<Eigen::VectorXf*>(p); });
  return py::array_t<float>({n}, {py::ssize_t(sizeof(float))}, owned->data(), base);
}

template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v) {
  const py::ssize_t n = static_cast<py::ssize_t>(v.size());
  if (n == 0) return py::array_t<T>(0);
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule base(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({n}, {py::ssize_t(sizeof(T))}, owned->data(), base);
}
template py::array_t<int32_t> to_numpy(std::vector<int32_t>&&);
template py::array_t<int64_t> to_numpy(std::vector<int64_t>&&);
template py::array_t<float> to_numpy(std::vector<float>&&);

sgc::DenseView dense_view(const py::array& a, const char* what) {
  if (a.ndim() != 2) throw sgc::ArgumentError(std::string(what) + ": expected a 2-D array");
  if (!is_dtype(a, 'f', 4) || !(a.flags() & py::array::c_style))
    throw py::type_error(std::string(what) + ": expected a C-contiguous float32 array, got " + dtype_name(a));
  return {static_cast<const float*>(a.data()), a.shape(0), a.shape(1)};
}

namespace {
std::string type_name(py::handle v) { return py::str(py::type::of(v).attr("__name__")).cast<std::string>(); }
}  // namespace

nlohmann::json to_json(py::handle v) {
  if (v.is_none()) return nullptr;
  const bool numpy_scalar = py::hasattr(v, "dtype") && !py::isinstance<py::array>(v);
  if (py::isinstance<py::bool_>(v) || (numpy_scalar && v.attr("dtype").attr("kind").cast<std::string>() == "b"))
    return v.cast<bool>();
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::dict>(v)) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : py::reinterpret_borrow<py::dict>(v)) {
      if (!py::isinstance<py::str>(key)) throw py::type_error("expected str keys, got " + type_name(key));
      out[key.cast<std::string>()] = to_json(value);
    }
    return out;
  }
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v) ||
      (py::isinstance<py::array>(v) && py::reinterpret_borrow<py::array>(v).ndim() == 1)) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : v) out.push_back(to_json(item));
    return out;
  }
  if (py::isinstance<py::array>(v)) throw py::type_error("cannot pass a numpy array that is not 1-D to the engine");
  if (PyLong_Check(v.ptr()) || (PyIndex_Check(v.ptr()) && !PyFloat_Check(v.ptr()))) {
    const py::int_ i = py::reinterpret_steal<py::int_>(PyNumber_Index(v.ptr()));
    if (!i) throw py::error_already_set();
    int overflow = 0;
    const long long x = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
    if (x == -1 && PyErr_Occurred()) throw py::error_already_set();
    if (overflow) throw py::value_error(py::str(py::handle(i)).cast<std::string>() + " is out of range");
    return static_cast<int64_t>(x);
  }
  if (PyFloat_Check(v.ptr()) || (PyNumber_Check(v.ptr()) && py::hasattr(v, "__float__"))) {
    const double x = PyFloat_AsDouble(v.ptr());
    if (x == -1.0 && PyErr_Occurred()) throw py::error_already_set();
    return x;
  }
  throw py::type_error("cannot pass a value of type " + type_name(v) + " to the engine");
}

py::object from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return py::none();
    case nlohmann::json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return py::int_(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: return py::int_(j.get<uint64_t>());
    case nlohmann::json::value_t::number_float: return py::float_(j.get<double>());
    case nlohmann::json::value_t::string: return py::str(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      py::list out;
      for (const auto& item : j) out.append(from_json(item));
      return out;
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      for (const auto& [key, value] : j.items()) out[py::str(key)] = from_json(value);
      return out;
    }
    default: throw py::type_error("unsupported JSON value " + j.dump());
  }
}

sgc::OperatorSpec spec_from(const py::dict& params) { return sgc::operator_from_json(to_json(params)); }

CopyStats& copy_stats() {
  static CopyStats stats;
  return stats;
}

}  // namespace sgc_py

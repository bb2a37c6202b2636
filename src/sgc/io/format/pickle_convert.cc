// Conversions from decoded pickle values (pickle.h) to sgc types: scipy
// csr_matrix -> CsrMatrix, numpy ndarray -> typed dense array, dict of lists
// -> flat adjacency lists. Format sources: scipy.sparse _cs_matrix attributes
// (data, indices, indptr, _shape; scipy keeps them as instance __dict__) and
// numpy's raw buffer layout (dtype.str byte order / kind / itemsize).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <type_traits>

#include "sgc/data/dataset.h"
#include "sgc/error.h"
#include "sgc/io/format/pickle.h"
#include "sgc/util/memory.h"

namespace sgc::pickle {
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& msg) {
  throw FormatError(source + ": " + msg);
}

// Reads element k of raw little/big-endian storage as Src.
template <class Src>
Src load(const char* p, bool swap) {
  using U = std::conditional_t<sizeof(Src) == 1, uint8_t,
            std::conditional_t<sizeof(Src) == 2, uint16_t,
            std::conditional_t<sizeof(Src) == 4, uint32_t, uint64_t>>>;
  U u;
  std::memcpy(&u, p, sizeof(U));
  if (swap) {
    if constexpr (sizeof(U) == 2) u = __builtin_bswap16(u);
    if constexpr (sizeof(U) == 4) u = __builtin_bswap32(u);
    if constexpr (sizeof(U) == 8) u = __builtin_bswap64(u);
  }
  Src s;
  std::memcpy(&s, &u, sizeof(Src));
  return s;
}

// "element k", or "row r, column c" of a matrix, for storage position k.
std::string position(const NdArray& a, size_t k) {
  if (a.shape.size() != 2 || a.shape[0] <= 0 || a.shape[1] <= 0) return "element " + std::to_string(k);
  const auto rows = size_t(a.shape[0]), cols = size_t(a.shape[1]);
  const size_t r = a.fortran ? k % rows : k / cols, c = a.fortran ? k / rows : k % cols;
  return "row " + std::to_string(r) + ", column " + std::to_string(c);
}

template <class Src, class Dst>
void convert(const NdArray& a, std::vector<Dst>& out, const std::string& source, const char* what) {
  const char* p = a.data.data();
  bool swap = a.dtype.byteorder == '>';
  for (size_t k = 0; k < out.size(); ++k) {
    Src s = load<Src>(p + k * sizeof(Src), swap);
    if constexpr (std::is_integral_v<Dst>) {
      static_assert(std::is_integral_v<Src>);
      if (!std::in_range<Dst>(s)) {
        fail(source, std::string(what) + " element " + std::to_string(k) + " = " + std::to_string(s) +
                         " does not fit the target type");
      }
      out[k] = static_cast<Dst>(s);
    } else {
      out[k] = static_cast<Dst>(s);
      // A finite float64 beyond float32's range rounds to infinity, which
      // would be reported as an infinite input.
      if (sizeof(Src) > sizeof(Dst) && std::isinf(out[k]) && std::isfinite(s)) {
        fail(source, std::string(what) + " " + outside_float32_range(double(s), position(a, k)));
      }
    }
  }
}

const NdArray& as_ndarray(const Value& v, const std::string& source, const char* what) {
  if (!v.is(Kind::NdArray) || !v.node->array.built) {
    fail(source, std::string(what) + " must be a numpy array, got " + kind_name(v.kind));
  }
  return v.node->array;
}

// Elements of `a` as Dst, in storage order.
template <class Dst>
std::vector<Dst> elements(const NdArray& a, const std::string& source, const char* what) {
  std::vector<Dst> out(static_cast<size_t>(a.size()));
  const DType& d = a.dtype;
  if constexpr (std::is_integral_v<Dst>) {
    if (d.kind == 'f') fail(source, std::string(what) + " must have an integer dtype, got " + d.str());
  }
  switch (d.kind) {
    case 'b':  // numpy bool: one byte, non-zero is true
      for (size_t k = 0; k < out.size(); ++k) out[k] = static_cast<Dst>(a.data[k] != 0);
      break;
    case 'i':
      if (d.itemsize == 1) convert<int8_t>(a, out, source, what);
      if (d.itemsize == 2) convert<int16_t>(a, out, source, what);
      if (d.itemsize == 4) convert<int32_t>(a, out, source, what);
      if (d.itemsize == 8) convert<int64_t>(a, out, source, what);
      break;
    case 'u':
      if (d.itemsize == 1) convert<uint8_t>(a, out, source, what);
      if (d.itemsize == 2) convert<uint16_t>(a, out, source, what);
      if (d.itemsize == 4) convert<uint32_t>(a, out, source, what);
      if (d.itemsize == 8) convert<uint64_t>(a, out, source, what);
      break;
    case 'f':
      if constexpr (!std::is_integral_v<Dst>) {
        if (d.itemsize == 4) convert<float>(a, out, source, what);
        if (d.itemsize == 8) convert<double>(a, out, source, what);
      }
      break;
    default: fail(source, std::string(what) + " has unsupported dtype " + d.str());
  }
  return out;
}

const NdArray& vector_field(const Value& obj, const char* key, const std::string& source) {
  const Value* v = find(obj, key);
  if (!v) fail(source, std::string("csr_matrix has no '") + key + "'");
  const NdArray& a = as_ndarray(*v, source, key);
  if (a.shape.size() != 1) {
    fail(source, std::string("csr_matrix ") + key + " must be 1-D, has " + std::to_string(a.shape.size()) + " dims");
  }
  return a;
}

// Sorts the columns of each row (values alongside) and sums duplicates, in
// place: what scipy's sum_duplicates does. Rows are sorted in parallel, each
// into the front of its own range (the same per-row result for any thread
// count), then moved together.
void sort_rows_sum_duplicates(CsrMatrix& m) {
  std::vector<int64_t> kept(static_cast<size_t>(m.rows));
#pragma omp parallel
  {
    std::vector<std::pair<int32_t, float>> row;
#pragma omp for schedule(dynamic, 256)
    for (int64_t r = 0; r < m.rows; ++r) {
      const int64_t b = m.indptr[r], e = m.indptr[r + 1];
      row.clear();
      for (int64_t k = b; k < e; ++k) row.emplace_back(m.indices[k], m.values[k]);
      std::sort(row.begin(), row.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
      int64_t out = b;
      for (size_t k = 0; k < row.size(); ++k) {
        if (out > b && m.indices[out - 1] == row[k].first) {
          m.values[out - 1] += row[k].second;
        } else {
          m.indices[out] = row[k].first;
          m.values[out] = row[k].second;
          ++out;
        }
      }
      kept[r] = out - b;
    }
  }
  int64_t out = 0;
  for (int64_t r = 0; r < m.rows; ++r) {
    const int64_t b = m.indptr[r];
    m.indptr[r] = out;
    if (out != b) {
      std::copy(m.indices.begin() + b, m.indices.begin() + b + kept[r], m.indices.begin() + out);
      std::copy(m.values.begin() + b, m.values.begin() + b + kept[r], m.values.begin() + out);
    }
    out += kept[r];
  }
  m.indptr[m.rows] = out;
  m.indices.resize(static_cast<size_t>(out));
  m.values.resize(static_cast<size_t>(out));
}

}  // namespace

int64_t NdArray::size() const {
  for (int64_t d : shape) {
    if (d == 0) return 0;
  }
  int64_t n = 1;
  for (int64_t d : shape) n *= d;  // <= 2^62: checked when the array was built
  return n;
}

CsrMatrix to_csr(const Value& v, const std::string& source, bool release_copied) {
  if (!v.is(Kind::Object) || v.node->cls != PyClass::ScipyCsrMatrix) {
    fail(source, std::string("expected a scipy.sparse.csr_matrix, got ") + kind_name(v.kind));
  }
  if (!v.node->has_state) fail(source, "csr_matrix has no state");
  if (const Value* fmt = find(v, "format"); fmt && !(fmt->is_string() && fmt->text() == "csr")) {
    fail(source, "csr_matrix format is not 'csr'");
  }
  const Value* shape = find(v, "_shape");
  if (!shape) shape = find(v, "shape");
  if (!shape || !shape->is(Kind::Tuple) || shape->node->items.size() != 2 ||
      !shape->node->items[0].is(Kind::Int) || !shape->node->items[1].is(Kind::Int)) {
    fail(source, "csr_matrix _shape must be a tuple of two ints");
  }
  const int64_t rows = shape->node->items[0].i, cols = shape->node->items[1].i;
  return csr_from_arrays(rows, cols, vector_field(v, "data", source), vector_field(v, "indices", source),
                         vector_field(v, "indptr", source), source, release_copied);
}

CsrMatrix csr_from_arrays(int64_t rows, int64_t cols, const NdArray& data, const NdArray& indices,
                          const NdArray& indptr, const std::string& source, bool release_copied) {
  constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();
  if (rows < 0 || cols < 0 || rows > kMaxDim || cols > kMaxDim) {
    fail(source, "csr_matrix shape (" + std::to_string(rows) + ", " + std::to_string(cols) + ") out of range");
  }
  for (const NdArray* a : {&data, &indices, &indptr}) {
    if (a->shape.size() != 1) fail(source, "csr_matrix data/indices/indptr must be 1-D");
  }
  if (indices.dtype.kind != 'i' || indptr.dtype.kind != 'i') {
    fail(source, "csr_matrix indices/indptr must be signed integers, got " + indices.dtype.str() + "/" +
                     indptr.dtype.str());
  }
  if (indptr.shape[0] != rows + 1) {
    fail(source, "csr_matrix indptr has " + std::to_string(indptr.shape[0]) + " entries, expected rows+1 = " +
                     std::to_string(rows + 1));
  }
  if (indices.shape[0] != data.shape[0]) {
    fail(source, "csr_matrix indices has " + std::to_string(indices.shape[0]) + " entries but data has " +
                     std::to_string(data.shape[0]));
  }
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr = elements<int64_t>(indptr, source, "indptr");
  if (m.indptr[0] != 0 || m.indptr[rows] != indices.shape[0]) {
    fail(source, "csr_matrix indptr must run from 0 to nnz = " + std::to_string(indices.shape[0]));
  }
  for (int64_t r = 0; r < rows; ++r) {
    if (m.indptr[r + 1] < m.indptr[r]) fail(source, "csr_matrix indptr decreases at row " + std::to_string(r));
  }
  m.indices = elements<int32_t>(indices, source, "indices");
  if (release_copied) release_pages(indices.data.data(), indices.data.size());
  m.values = elements<float>(data, source, "data");
  if (release_copied) release_pages(data.data.data(), data.data.size());
  bool sorted = true;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k) {
      int32_t c = m.indices[k];
      if (c < 0 || c >= cols) {
        fail(source, "csr_matrix column index " + std::to_string(c) + " in row " + std::to_string(r) +
                         " out of range [0, " + std::to_string(cols) + ")");
      }
      if (k > m.indptr[r] && c <= m.indices[k - 1]) sorted = false;
    }
  }
  if (!sorted) sort_rows_sum_duplicates(m);  // scipy allows unsorted / duplicate entries
  validate_csr(m, source.c_str());
  return m;
}

template <class T>
DenseArray<T> to_dense(const Value& v, const std::string& source) {
  return to_dense<T>(as_ndarray(v, source, "value"), source);
}

template <class T>
DenseArray<T> to_dense(const NdArray& a, const std::string& source) {
  DenseArray<T> out;
  out.shape = a.shape;
  out.data = elements<T>(a, source, "array");
  if (a.fortran && a.shape.size() > 1 && !out.data.empty()) {  // column-major storage -> row-major
    if (a.shape.size() > 2) fail(source, "Fortran-ordered arrays with more than 2 dimensions are not supported");
    int64_t r = a.shape[0], c = a.shape[1];
    std::vector<T> t(out.data.size());
    for (int64_t i = 0; i < r; ++i) {
      for (int64_t j = 0; j < c; ++j) t[i * c + j] = out.data[j * r + i];
    }
    out.data.swap(t);
  }
  return out;
}

template DenseArray<int32_t> to_dense<int32_t>(const Value&, const std::string&);
template DenseArray<int64_t> to_dense<int64_t>(const Value&, const std::string&);
template DenseArray<float> to_dense<float>(const Value&, const std::string&);
template DenseArray<double> to_dense<double>(const Value&, const std::string&);
template DenseArray<int32_t> to_dense<int32_t>(const NdArray&, const std::string&);
template DenseArray<int64_t> to_dense<int64_t>(const NdArray&, const std::string&);
template DenseArray<float> to_dense<float>(const NdArray&, const std::string&);
template DenseArray<double> to_dense<double>(const NdArray&, const std::string&);

const Value& object_item(const Value& v, const std::string& source) {
  const NdArray& a = as_ndarray(v, source, "value");
  if (a.dtype.kind != 'O') fail(source, "expected a numpy object array, got dtype " + a.dtype.str());
  if (v.node->items.size() != 1) {
    fail(source, "expected an object array with one element, got " + std::to_string(v.node->items.size()));
  }
  return v.node->items[0];
}

AdjacencyLists to_adjacency_lists(const Value& v, const std::string& source) {
  if (!v.is(Kind::Dict)) fail(source, std::string("expected a dict of lists, got ") + kind_name(v.kind));
  AdjacencyLists g;
  const auto& entries = v.node->entries;
  g.keys.reserve(entries.size());
  g.offsets.reserve(entries.size() + 1);
  for (const auto& [key, list] : entries) {
    if (!key.is(Kind::Int)) fail(source, std::string("graph key must be an int, got ") + kind_name(key.kind));
    if (!list.is(Kind::List) && !list.is(Kind::Tuple)) {
      fail(source, "neighbours of node " + std::to_string(key.i) + " must be a list, got " + kind_name(list.kind));
    }
    g.keys.push_back(key.i);
    for (const Value& nb : list.node->items) {
      if (!nb.is(Kind::Int)) {
        fail(source, "neighbour of node " + std::to_string(key.i) + " must be an int, got " + kind_name(nb.kind));
      }
      g.neighbors.push_back(nb.i);
    }
    g.offsets.push_back(static_cast<int64_t>(g.neighbors.size()));
  }
  std::vector<int64_t> sorted = g.keys;
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end()) fail(source, "graph key " + std::to_string(*dup) + " appears twice");
  return g;
}

}  // namespace sgc::pickle

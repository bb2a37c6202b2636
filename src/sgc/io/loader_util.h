// Small helpers shared by the data-set loaders in src/sgc/io (internal).
#pragma once

#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sgc/data/dataset.h"
#include "sgc/dense.h"
#include "sgc/error.h"
#include "sgc/graph/csr.h"
#include "sgc/util/printable.h"
#include "sgc/util/budget.h"

namespace sgc::io_detail {

// A field from the input, quoted, escaped (printable) and cut to 40 bytes, for a message.
inline std::string quoted(std::string_view field) {
  std::string out(1, '\'');  // appended, not "'" + ...: GCC 12 takes that for an overlapping copy (-Wrestrict)
  out.append(printable(field, 40)).push_back('\'');
  return out;
}

// "data/texas.npz" -> "texas"; "x/soc.txt.gz" -> "soc".
inline std::string file_stem(const std::string& path) {
  std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "dir/" -> "dir"
  std::string name = p.filename().string();
  for (const char* ext : {".gz", ".npz", ".txt", ".tsv", ".csv", ".edges", ".el", ".mtx"}) {
    const std::string e(ext);
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) name.resize(name.size() - e.size());
  }
  return name.empty() ? path : name;
}

// Throws sgc::FormatError "<where>: NaN feature at row r, column c" for the first non-finite value.
inline void check_finite(const float* x, int64_t rows, int64_t cols, const std::string& where) {
  const int64_t at = first_non_finite(x, rows * cols);
  if (at < 0) return;
  throw FormatError(where + ": " + (std::isnan(x[at]) ? "NaN" : "infinite") + " feature at row " +
                    std::to_string(at / cols) + ", column " + std::to_string(at % cols));
}

inline void check_finite(const CsrMatrix& m, const std::string& where) {
  for (int64_t i = 0; i < m.rows; ++i)
    for (int64_t k = m.indptr[i]; k < m.indptr[i + 1]; ++k)
      if (!std::isfinite(m.values[k])) {
        throw FormatError(where + ": " + (std::isnan(m.values[k]) ? "NaN" : "infinite") + " feature at row " +
                          std::to_string(i) + ", column " + std::to_string(m.indices[k]));
      }
}

// A sparse feature matrix's declared shape against what is stored, before
// anything proportional to rows x cols is allocated: the columns must be
// plausible for the stored entries (at most 65536 + one per stored value:
// most columns would be empty otherwise; a shape of (2708, 2^18) with 49216
// entries is a lie, not a vocabulary), and
// the dense rows x cols float32 matrix that propagation makes of them must fit
// the memory budget.
inline void check_feature_shape(int64_t rows, int64_t cols, int64_t nnz, const std::string& where) {
  if (cols > 65536 + nnz) {
    throw FormatError(where + ": shape (" + std::to_string(rows) + ", " + std::to_string(cols) + ") declares " +
                      std::to_string(cols) + " feature columns for " + std::to_string(nnz) +
                      " stored values (at most 65536 + the number of stored values are accepted)");
  }
  const bool overflow = rows > 0 && cols > (INT64_MAX / 4) / rows;
  require_memory(overflow ? -1 : rows * cols * 4,
                 where + ": the " + std::to_string(rows) + " x " + std::to_string(cols) + " feature matrix as dense float32");
}

// Before a vector read from a file grows (size() == capacity()): its doubled
// size must fit the memory budget (sgc::ResourceError naming `where`).
template <class V>
void require_growth(const V& v, const std::string& where) {
  if (v.size() < v.capacity() || v.size() < (size_t{1} << 16)) return;
  require_memory(static_cast<int64_t>(2 * v.size() * sizeof(typename V::value_type)), where);
}

// The sparse identity: features for graphs that have none.
inline CsrMatrix identity_features(int64_t n) {
  CsrMatrix m;
  m.rows = m.cols = n;
  // Built aside and moved in: GCC 12 misreads a resize of the one-entry
  // default indptr as an out-of-bounds write (-Warray-bounds).
  std::vector<int64_t> indptr(static_cast<size_t>(n) + 1);
  std::iota(indptr.begin(), indptr.end(), int64_t{0});
  m.indptr = std::move(indptr);
  m.indices.resize(static_cast<size_t>(n));
  std::iota(m.indices.begin(), m.indices.end(), int32_t{0});
  m.values.assign(static_cast<size_t>(n), 1.0f);
  return m;
}

}  // namespace sgc::io_detail

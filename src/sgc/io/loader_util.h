// Small helpers shared by the data-set loaders in src/sgc/io (internal).
#pragma once

#include <cmath>
#include <filesystem>
#include <string>
#include <string_view>

#include "sgc/data/dataset.h"
#include "sgc/dense.h"
#include "sgc/error.h"
#include "sgc/graph/csr.h"

namespace sgc::io_detail {

// A field from the input, quoted and cut to 40 characters, for a message.
inline std::string quoted(std::string_view field) {
  std::string out(1, '\'');
  out.append(field.substr(0, 40));
  if (field.size() > 40) out += "...";
  out += '\'';
  return out;
}

// "data/texas.npz" -> "texas"; "x/soc.txt.gz" -> "soc".
inline std::string file_stem(const std::string& path) {
  std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "dir/" -> "dir"
  std::string name = p.filename().string();
  for (const char* ext : {".gz", ".npz", ".txt", ".tsv", ".csv", ".edges", ".el"}) {
    const std::string e(ext);
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) name.resize(name.size() - e.size());
  }
  return name.empty() ? path : name;
}

// Throws sgc::FormatError "<where>: NaN feature at row r, column c" for the first non-finite value.
inline void check_finite(const float* x, int64_t rows, int64_t cols, const std::string& where) {
  if (all_finite(x, rows * cols)) return;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      const float v = x[i * cols + j];
      if (!std::isfinite(v)) {
        throw FormatError(where + ": " + (std::isnan(v) ? "NaN" : "infinite") + " feature at row " + std::to_string(i) +
                          ", column " + std::to_string(j));
      }
    }
}

inline void check_finite(const CsrMatrix& m, const std::string& where) {
  for (int64_t i = 0; i < m.rows; ++i)
    for (int64_t k = m.indptr[i]; k < m.indptr[i + 1]; ++k)
      if (!std::isfinite(m.values[k])) {
        throw FormatError(where + ": " + (std::isnan(m.values[k]) ? "NaN" : "infinite") + " feature at row " +
                          std::to_string(i) + ", column " + std::to_string(m.indices[k]));
      }
}

// The sparse identity: features for graphs that have none.
inline CsrMatrix identity_features(int64_t n) {
  CsrMatrix m;
  m.rows = m.cols = n;
  m.indptr.resize(static_cast<size_t>(n) + 1);
  m.indices.resize(static_cast<size_t>(n));
  m.values.assign(static_cast<size_t>(n), 1.0f);
  for (int64_t i = 0; i <= n; ++i) m.indptr[i] = i;
  for (int64_t i = 0; i < n; ++i) m.indices[i] = static_cast<int32_t>(i);
  return m;
}

}  // namespace sgc::io_detail

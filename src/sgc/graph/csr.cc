// CSR construction and checks (see csr.h): triplets -> CSR with duplicates
// combined, max(A, A^T), row selection and structural validation.
// Layout is the standard compressed-sparse-row format (as in scipy.sparse).
#include "sgc/graph/csr.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "sgc/error.h"
#include "sgc/util/interrupt.h"

namespace sgc {

namespace {

constexpr int64_t kMaxDim = int64_t{std::numeric_limits<int32_t>::max()} + 1;  // ids are int32

// Column-sorted transpose of a valid CSR matrix (counting sort by column).
CsrMatrix transpose(const CsrMatrix& a) {
  CsrMatrix t;
  t.rows = a.cols;
  t.cols = a.rows;
  t.indptr.assign(static_cast<size_t>(a.cols) + 1, 0);
  for (int32_t c : a.indices) ++t.indptr[static_cast<size_t>(c) + 1];
  for (int64_t r = 0; r < a.cols; ++r) t.indptr[r + 1] += t.indptr[r];
  t.indices.resize(a.indices.size());
  t.values.resize(a.values.size());
  std::vector<int64_t> next(t.indptr.begin(), t.indptr.end() - 1);
  for (int64_t r = 0; r < a.rows; ++r) {  // rows in increasing order -> sorted columns of t
    check_interrupt_every(r);
    for (int64_t k = a.indptr[r]; k < a.indptr[r + 1]; ++k) {
      int64_t dst = next[a.indices[k]]++;
      t.indices[dst] = static_cast<int32_t>(r);
      t.values[dst] = a.values[k];
    }
  }
  return t;
}

}  // namespace

CsrMatrix csr_from_triplets(int64_t rows, int64_t cols, std::vector<Triplet> triplets,
                            bool combine_max) {
  if (rows < 0 || cols < 0 || rows > kMaxDim || cols > kMaxDim) {
    throw ArgumentError("csr_from_triplets: invalid shape " + std::to_string(rows) + " x " +
                        std::to_string(cols));
  }
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(static_cast<size_t>(rows) + 1, 0);
  for (size_t k = 0; k < triplets.size(); ++k) {
    const Triplet& t = triplets[k];
    check_interrupt_every(int64_t(k));
    if (t.row < 0 || t.row >= rows || t.col < 0 || t.col >= cols) {
      throw ArgumentError("csr_from_triplets: entry (" + std::to_string(t.row) + ", " +
                          std::to_string(t.col) + ") outside a " + std::to_string(rows) + " x " +
                          std::to_string(cols) + " matrix");
    }
    ++m.indptr[static_cast<size_t>(t.row) + 1];
  }
  for (int64_t r = 0; r < rows; ++r) m.indptr[r + 1] += m.indptr[r];
  // Counting sort by row, then sort each row by column. Left uninitialised:
  // zero-filling gigabytes first costs seconds of page faults, in one call
  // that no interrupt check could break.
  const size_t count = triplets.size();
  const std::unique_ptr<Triplet[]> sorted(new Triplet[count]);
  {
    std::vector<int64_t> next(m.indptr.begin(), m.indptr.end() - 1);
    for (size_t k = 0; k < count; ++k) {
      check_interrupt_every(int64_t(k));
      sorted[next[triplets[k].row]++] = triplets[k];
    }
  }
  triplets.clear();
  triplets.shrink_to_fit();
  m.indices.reserve(count);
  m.values.reserve(count);
  int64_t begin = 0;
  for (int64_t r = 0; r < rows; ++r) {
    check_interrupt_every(r);
    int64_t end = m.indptr[r + 1];
    std::sort(sorted.get() + begin, sorted.get() + end,
              [](const Triplet& x, const Triplet& y) { return x.col < y.col; });
    m.indptr[r] = static_cast<int64_t>(m.indices.size());
    for (int64_t k = begin; k < end; ++k) {
      const Triplet& t = sorted[k];
      if (k > begin && t.col == m.indices.back()) {
        float& v = m.values.back();
        v = combine_max ? std::max(v, t.value) : v + t.value;
      } else {
        m.indices.push_back(t.col);
        m.values.push_back(t.value);
      }
    }
    begin = end;
  }
  m.indptr[rows] = static_cast<int64_t>(m.indices.size());
  return m;
}

// Entries present in only one of A and A^T keep their value (an edge given in
// one direction); for non-negative weights this is exactly max(A, A^T).
CsrMatrix symmetrize_max(const CsrMatrix& a) {
  if (a.rows != a.cols) {
    throw ArgumentError("symmetrize_max: matrix is " + std::to_string(a.rows) + " x " +
                        std::to_string(a.cols) + ", not square");
  }
  CsrMatrix t = transpose(a);
  CsrMatrix s;
  s.rows = a.rows;
  s.cols = a.cols;
  s.indptr.assign(static_cast<size_t>(a.rows) + 1, 0);
  s.indices.reserve(a.indices.size() * 2);
  s.values.reserve(a.indices.size() * 2);
  for (int64_t r = 0; r < a.rows; ++r) {
    check_interrupt_every(r);
    int64_t i = a.indptr[r], ie = a.indptr[r + 1], j = t.indptr[r], je = t.indptr[r + 1];
    while (i < ie || j < je) {
      if (j >= je || (i < ie && a.indices[i] < t.indices[j])) {
        s.indices.push_back(a.indices[i]);
        s.values.push_back(a.values[i++]);
      } else if (i >= ie || t.indices[j] < a.indices[i]) {
        s.indices.push_back(t.indices[j]);
        s.values.push_back(t.values[j++]);
      } else {
        s.indices.push_back(a.indices[i]);
        s.values.push_back(std::max(a.values[i++], t.values[j++]));
      }
    }
    s.indptr[r + 1] = static_cast<int64_t>(s.indices.size());
  }
  return s;
}

CsrMatrix select_rows(const CsrMatrix& a, const std::vector<int32_t>& rows) {
  CsrMatrix s;
  s.rows = static_cast<int64_t>(rows.size());
  s.cols = a.cols;
  s.indptr.assign(rows.size() + 1, 0);
  for (size_t k = 0; k < rows.size(); ++k) {
    int32_t r = rows[k];
    if (r < 0 || r >= a.rows) {
      throw ArgumentError("select_rows: row " + std::to_string(r) + " out of range [0, " +
                          std::to_string(a.rows) + ")");
    }
    s.indptr[k + 1] = s.indptr[k] + (a.indptr[r + 1] - a.indptr[r]);
  }
  s.indices.resize(static_cast<size_t>(s.indptr.back()));
  s.values.resize(static_cast<size_t>(s.indptr.back()));
  for (size_t k = 0; k < rows.size(); ++k) {
    int64_t b = a.indptr[rows[k]], e = a.indptr[rows[k] + 1];
    std::copy(a.indices.begin() + b, a.indices.begin() + e, s.indices.begin() + s.indptr[k]);
    std::copy(a.values.begin() + b, a.values.begin() + e, s.values.begin() + s.indptr[k]);
  }
  return s;
}

void validate_csr(const CsrMatrix& a, const char* what) {
  auto fail = [what](const std::string& msg) { throw FormatError(std::string(what) + ": " + msg); };
  if (a.rows < 0 || a.cols < 0 || a.rows > kMaxDim || a.cols > kMaxDim) {
    fail("invalid shape " + std::to_string(a.rows) + " x " + std::to_string(a.cols));
  }
  if (static_cast<int64_t>(a.indptr.size()) != a.rows + 1) {
    fail("indptr has " + std::to_string(a.indptr.size()) + " entries, expected rows+1 = " +
         std::to_string(a.rows + 1));
  }
  if (a.indices.size() != a.values.size()) {
    fail(std::to_string(a.indices.size()) + " column indices but " + std::to_string(a.values.size()) +
         " values");
  }
  if (a.indptr[0] != 0 || a.indptr[a.rows] != a.nnz()) {
    fail("indptr must run from 0 to nnz = " + std::to_string(a.nnz()));
  }
  // A parallel pass finds whether anything is wrong (big inputs: hundreds of
  // millions of entries); only then the sequential pass below names the first fault.
  // The rows' checks are or-ed without branches (the compiler vectorises
  // them): a column in [0, cols) is one unsigned compare, a finite float one
  // whose exponent bits are not all set.
  uint32_t bad = 0;
  const int64_t nnz = a.nnz();
  const uint32_t cols = static_cast<uint32_t>(a.cols);
  const int32_t* idx = a.indices.data();
  const float* val = a.values.data();
#pragma omp parallel for schedule(static) reduction(| : bad) if (nnz > (1 << 16))
  for (int64_t r = 0; r < a.rows; ++r) {
    const int64_t b = a.indptr[r], e = a.indptr[r + 1];
    if (b > e || e > nnz) {
      bad |= 1;
      continue;
    }
    uint32_t row_bad = b < e ? static_cast<uint32_t>(idx[b]) >= cols : 0;
    for (int64_t k = b + 1; k < e; ++k)
      row_bad |= (static_cast<uint32_t>(idx[k]) >= cols) | (idx[k] <= idx[k - 1]);
    for (int64_t k = b; k < e; ++k) {
      uint32_t bits;
      std::memcpy(&bits, val + k, sizeof bits);
      row_bad |= (bits & 0x7f800000u) == 0x7f800000u;
    }
    bad |= row_bad;
  }
  if (!bad) return;
  for (int64_t r = 0; r < a.rows; ++r) {
    int64_t b = a.indptr[r], e = a.indptr[r + 1];
    if (e < b || e > a.nnz()) fail("indptr decreases at row " + std::to_string(r));
    for (int64_t k = b; k < e; ++k) {
      int32_t c = a.indices[k];
      if (c < 0 || c >= a.cols) {
        fail("column " + std::to_string(c) + " in row " + std::to_string(r) + " out of range [0, " +
             std::to_string(a.cols) + ")");
      }
      if (k > b && c <= a.indices[k - 1]) {
        fail("columns of row " + std::to_string(r) + " are not strictly increasing");
      }
      if (!std::isfinite(a.values[k])) {
        fail("non-finite value " + std::to_string(a.values[k]) + " at (" + std::to_string(r) + ", " +
             std::to_string(c) + ")");
      }
    }
  }
}

}  // namespace sgc

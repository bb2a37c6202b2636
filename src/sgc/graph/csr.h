// Compressed sparse row matrix: the storage for graphs (adjacency, the
// propagation operator S) and for sparse feature matrices.
//
// indptr has rows+1 entries; the column indices of row i are
// indices[indptr[i] .. indptr[i+1]), sorted ascending, with values alongside.
// Column indices are 32-bit (graphs up to 2^31 nodes); row offsets are 64-bit
// so a matrix may hold more than 2^31 non-zeros.
#pragma once

#include <cstdint>
#include <vector>

namespace sgc {

struct CsrMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<int64_t> indptr{0};
  std::vector<int32_t> indices;
  std::vector<float> values;

  int64_t nnz() const { return static_cast<int64_t>(indices.size()); }
  int64_t row_begin(int64_t r) const { return indptr[r]; }
  int64_t row_end(int64_t r) const { return indptr[r + 1]; }
};

// Bytes of a CSR with these sizes (int32 indices and float values, int64 row pointers).
inline int64_t csr_bytes(int64_t rows, int64_t nnz) { return 8 * nnz + 8 * (rows + 1); }
inline int64_t csr_bytes(const CsrMatrix& a) { return csr_bytes(a.rows, a.nnz()); }

// One edge (or matrix entry) in coordinate form.
struct Triplet {
  int32_t row;
  int32_t col;
  float value;
};

// Builds a CSR matrix from triplets. Duplicates are combined with `max` when
// `combine_max` is true (graph semantics: an edge is present or not) and summed
// otherwise (matrix semantics). Throws sgc::ArgumentError on out-of-range ids.
CsrMatrix csr_from_triplets(int64_t rows, int64_t cols, std::vector<Triplet> triplets,
                            bool combine_max);

// Returns max(A, A^T) for a square matrix: the undirected graph of a directed one.
CsrMatrix symmetrize_max(const CsrMatrix& a);

// Returns the rows listed in `rows` of a, in that order.
CsrMatrix select_rows(const CsrMatrix& a, const std::vector<int32_t>& rows);

// Checks the structural invariants (sizes, monotone indptr, sorted in-range
// indices, finite values); throws sgc::FormatError naming `what` if violated.
void validate_csr(const CsrMatrix& a, const char* what);

}  // namespace sgc

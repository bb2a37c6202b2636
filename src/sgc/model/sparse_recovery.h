// Compressed sensing for the compressed optimizer (sgc_compressed.h): a
// random k x d measurement matrix that is never stored, and orthogonal
// matching pursuit (OMP) to recover a sparse vector from its k measurements.
//
// The matrix (HashedSketch) is a sparse sign matrix: column j has `nnz` <= 4
// entries +-1, one in each of nnz bands of k/nnz rows, the row in the band and
// the sign drawn from a counter-based hash (SplitMix64) of (seed, j).
// Columns can be regenerated at any time, so the matrix costs O(1) memory
// instead of the k x d floats of a stored Gaussian matrix; sparse
// Johnson-Lindenstrauss matrices of this kind (Kane & Nelson, J. ACM 2014)
// preserve the norms of sparse vectors as Gaussian ones do, which is what
// OMP's recovery guarantee needs. With k >= d the sketch is the identity.
//
// OMP (Pati, Rezaiifar & Krishnaprasad 1993; Tropp & Gilbert, IEEE T-IT
// 2007): from y = A x with x s-sparse, repeat: pick the column(s) j with the
// largest |a_j . r|, solve least squares of y on the chosen columns,
// r = y - A_S x_S; stop at s columns or when r vanishes. Tropp & Gilbert show
// that k >= C s log d Gaussian measurements recover x with high probability.
// atoms > 1 picks that many columns per round (generalized OMP, Wang, Kwon &
// Shim, IEEE T-SP 2012), so a large d is scanned fewer times.
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Dense>

namespace sgc {

class HashedSketch {
 public:
  HashedSketch(int64_t k, int64_t d, int nnz, uint64_t seed);

  int64_t rows() const { return k_; }
  int64_t cols() const { return d_; }
  int nnz() const { return nnz_; }
  bool identity() const { return k_ >= d_; }

  // Row and sign (+1 / -1) of column j's entry in band t < nnz().
  void entry(int64_t j, int t, int64_t& row, float& sign) const;
  // y = A x for x given by its nonzero entries (indices < d).
  void apply(const std::vector<int64_t>& idx, const std::vector<float>& val, Eigen::VectorXf& y) const;
  // c = A^T r (length d).
  void correlate(const Eigen::VectorXd& r, Eigen::VectorXd& c) const;

 private:
  int64_t k_, d_;
  int nnz_;
  uint64_t seed_;
};

struct SparseVec {
  std::vector<int64_t> idx;  // increasing
  std::vector<float> val;
};

// OMP: a vector with at most `sparsity` nonzeros whose measurements A x match
// y; `atoms` columns are added per round (1: plain OMP). Stops early when the
// residual falls below rel_tol |y|.
SparseVec omp_recover(const HashedSketch& a, const Eigen::VectorXf& y, int64_t sparsity, int64_t atoms = 1,
                      double rel_tol = 1e-6);

// Indices of the `s` entries of v largest in magnitude (ties: lower index), increasing.
std::vector<int64_t> top_entries(const Eigen::Ref<const Eigen::VectorXf>& v, int64_t s);

}  // namespace sgc

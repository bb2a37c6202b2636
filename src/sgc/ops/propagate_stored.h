// S^K X with the features kept as small as they can be while they are
// propagated, the arithmetic unchanged (fp32 accumulation):
//
//  * sparse X (bag-of-words features: Planetoid, Coauthor, Amazon) stays
//    sparse: hop j+1 = S H_j is a sparse x sparse product (Gustavson's
//    row-by-row algorithm with a dense accumulator) while the bound on its
//    entries, sum_i min(d, sum_{p in row i} nnz(H_j row p)), is below a
//    quarter of n d. A stored entry is 8 bytes (column and value) against 4
//    (fp32) or 2 (16 bits) dense, and a scattered update costs more than a
//    vector lane, so past that density the dense kernels are faster and
//    smaller; the first dense hop reads the last sparse one in place.
//  * dense hops may be stored in 16 bits (bfloat16 or IEEE binary16,
//    kernels/kernel_table.h): X and S X .. S^(K-1) X are rounded once when
//    stored, every product accumulates in fp32, and the last hop (the
//    features a classifier reads) is fp32. Memory traffic and the hop
//    buffers halve; each stored matrix is rounded once (unit roundoff u =
//    2^-8 for bf16, 2^-11 for fp16; below fp16's normal range, 2^-14, an
//    absolute eta = 2^-25), so entrywise
//      |Y - S^K X| <= K u |S|^K |X| + eta sum_{j=1..K} |S|^j 1
//    plus fp32 accumulation
//    (tests/propagate_stored_test.cc checks it on random graphs and Cora).
//    fp16 holds magnitudes up to 65504: larger features overflow to
//    infinity, which run_operator reports as an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/kernels/kernel_table.h"
#include "sgc/ops/spmm.h"

namespace sgc {

// How propagated features are stored between hops (--precision).
enum class Precision { Fp32, Bf16, Fp16 };
Precision parse_precision(const std::string& name);  // "fp32" | "bf16" | "fp16"; ArgumentError otherwise
std::string to_string(Precision p);
kernels::Storage storage_of(Precision p);

// C = A B for sparse B (CSR): row i of C sums a_ip * row p of B in index
// order, columns sorted; deterministic for any thread count.
CsrMatrix sparse_times_sparse(const CsrMatrix& a, const CsrMatrix& b);

// Whether S B should run as a sparse product: the bound on its entries is
// below kSparseHopDensity n d.
constexpr double kSparseHopDensity = 0.25;
bool sparse_hop_pays(const CsrMatrix& s, const CsrMatrix& b);

// What propagate_stored did, for benchmarks and tests.
struct StoredPropagation {
  int sparse_hops = 0;             // hops done as sparse x sparse products
  std::vector<double> densities;   // density of each sparse hop's result
  // Matrices (X, the hops before the last) stored in 16 bits: 0 with fp32,
  // and also with 16 bits when every one of them stayed sparse.
  int stored_16bit = 0;
};

// Rows `rows` (all when null) of S^K X, fp32. X is sparse (x_sparse) or a
// dense view; dense hops are stored as `precision`. K >= 0.
DenseMatrix propagate_stored(const CsrMatrix& s, const CsrMatrix* x_sparse, std::optional<DenseView> x_dense, int k,
                             const std::vector<int32_t>* rows, Precision precision,
                             StoredPropagation* report = nullptr);

}  // namespace sgc

// Every normalisation of normalizations.h as one per-node formula, shared by
// the host and the GPU (so the GPU's S is checked against the host's):
//
//   M = diag(c) + sign * diag(l) (A + gI) diag(r)
//
// where l_i, r_i and c_i depend on node i's degree alone:
//   scale None       l = r = 1
//   scale Symmetric  l = r = deg^-1/2        (0 where deg <= 0)
//   scale Walk       l = (deg + g)^-1, r = 1 (0 where deg + g = 0)
//   c                a constant, or deg (the combinatorial Laplacian)
// and deg is the row sum of A, accumulated in double in column order from g
// when the loop is part of the degree (aug_norm_adj: (D + gI)^-1/2 ...),
// from 0 otherwise. M's diagonal is stored whenever the formula has one.
// Values are formed in double as ((sign l_i) a_ij) r_j, plus c_i on the
// diagonal, then stored in float, on both sides in that order.
#pragma once

#include <cmath>
#include <cstdint>

#include "sgc/util/host_device.h"

namespace sgc {

struct NormalizationForm {
  enum Scale : int32_t { kNone = 0, kSymmetric = 1, kWalk = 2 };
  int32_t scale = kNone;
  double loop = 0.0;           // g
  double sign = 1.0;
  double identity = 0.0;       // c when not the degree
  bool identity_is_degree = false;
  bool loop_in_degree = false;  // deg starts from g (aug_norm_adj)
  bool stores_diagonal = false; // the formula has a diagonal part (c or g)
};

struct NodeScale {
  double l = 1.0, r = 1.0, c = 0.0;
};

// Node i's degree: A's row i summed in column order, in double, from g when
// the loop is part of it; *diagonal tells whether A stores (i, i).
SGC_HOST_DEVICE inline double row_degree(const NormalizationForm& f, const int64_t* indptr, const int32_t* indices,
                                         const float* values, int64_t i, bool* diagonal) {
  double degree = f.loop_in_degree ? f.loop : 0.0;
  *diagonal = false;
  for (int64_t p = indptr[i]; p < indptr[i + 1]; ++p) {
    degree += values[p];
    *diagonal |= indices[p] == i;
  }
  return degree;
}

// l_i, r_i and c_i from the node's degree (row_degree).
SGC_HOST_DEVICE inline NodeScale node_scale(const NormalizationForm& f, double degree) {
  NodeScale s;
  if (f.scale == NormalizationForm::kSymmetric) {
    s.l = s.r = degree > 0 ? 1.0 / sqrt(degree) : 0.0;
  } else if (f.scale == NormalizationForm::kWalk) {
    const double total = degree + f.loop;
    s.l = total != 0 ? 1.0 / total : 0.0;
  }
  s.c = f.identity_is_degree ? degree : f.identity;
  return s;
}

// M's entry (i, j) for A's entry a (0 for a diagonal A does not store); on
// the diagonal a + g is scaled and c added. The device's products and sum are
// rounded one by one (no fused multiply-add), as the host's.
SGC_HOST_DEVICE inline float normalized_entry(const NormalizationForm& f, const NodeScale& row, double r_col,
                                              float a_ij, bool diagonal) {
  const double a = diagonal ? double(a_ij) + f.loop : double(a_ij);
#if defined(__CUDA_ARCH__)
  double v = __dmul_rn(__dmul_rn(__dmul_rn(f.sign, row.l), a), r_col);
  if (diagonal) v = __dadd_rn(v, row.c);
#else
  double v = f.sign * row.l * a * r_col;
  if (diagonal) v += row.c;
#endif
  return static_cast<float>(v);
}

}  // namespace sgc

// Every graph normalisation of the SGC family, by name. With A the adjacency
// (existing self-loops kept, as in normalize.h), D = diag(row sums of A) and
// g the self-loop weight of the augmented variants:
//
//   aug_norm_adj     (D + gI)^-1/2 (A + gI) (D + gI)^-1/2   SGC's default (Wu et al., ICML 2019;
//                                                          Kipf & Welling's renormalisation trick)
//   norm_adj         D^-1/2 A D^-1/2                         symmetric normalisation
//   rwalk            D^-1 A                                  random-walk transition matrix
//   aug_rwalk        (D + gI)^-1 (A + gI)                    random walk with self-loops
//   first_order_gcn  I + D^-1/2 A D^-1/2                     GCN before renormalisation (Kipf & Welling, eq. 6)
//   low_pass         (I + D^-1/2 A D^-1/2) / 2               averaging low-pass filter
//   no_norm          A
//   norm_lap         I - D^-1/2 A D^-1/2                     normalised Laplacian
//   lap              D - A                                   combinatorial Laplacian
//   rwalk_lap        I - D^-1 A                              random-walk Laplacian
//
// The CamelCase names of the SGC reference code (AugNormAdj, NormAdj, RWalk,
// AugRWalk, FirstOrderGCN, NoNorm, NormLap, Lap, RWalkLap), and LowPass, are
// accepted too.
//
// The first four and low_pass have every eigenvalue in [-1, 1] (contractive());
// first_order_gcn, norm_lap and rwalk_lap reach 2, lap and no_norm the degrees.
//
// Isolated nodes (D_ii = 0): the variants without self-loops need D^-1, which
// does not exist there; as the reference implementation does for D^-1/2
// (it sets the infinite entries to 0) we use D^-1 := 0 for those nodes,
// so their row of norm_adj / rwalk is empty, of norm_lap / rwalk_lap /
// first_order_gcn it is the identity row, and of low_pass it is 1/2 on the
// diagonal. The augmented variants with g > 0 are defined everywhere.
#pragma once

#include <string>
#include <vector>

#include "sgc/graph/csr.h"
#include "sgc/graph/normalization_form.h"

namespace sgc {

enum class Normalization {
  AugNormAdj,
  NormAdj,
  RWalk,
  AugRWalk,
  FirstOrderGcn,
  LowPass,
  NoNorm,
  NormLap,
  Lap,
  RWalkLap,
};

// "aug_norm_adj" or "AugNormAdj" -> Normalization::AugNormAdj, and so on;
// throws sgc::ArgumentError naming --norm for an unknown name.
Normalization parse_normalization(const std::string& name);
// The snake_case name.
std::string to_string(Normalization n);
// Every snake_case name, in the order of the enum.
const std::vector<std::string>& normalization_names();
// Whether every eigenvalue of the matrix lies in [-1, 1], so that ||S^k x||
// never exceeds ||x|| (in the norm the matrix is symmetric or similar to
// symmetric in): what a series in S truncated at a tolerance relies on.
bool contractive(Normalization n);

// The matrix named by `n`, built in double and stored in float. Column
// indices stay sorted; the diagonal is stored whenever the formula has one.
// aug_norm_adj is exactly aug_norm_adj() of normalize.h. ArgumentError for a
// negative edge weight (require_non_negative_weights).
CsrMatrix normalize_adjacency(const CsrMatrix& adj, Normalization n, double self_loop_weight = 1.0);

// Every normalisation divides by degrees (sums of edge weights) or their
// roots: a negative weight can make a degree zero or negative and a row
// silently zero or NaN, so it is refused: ArgumentError naming the first one.
void require_non_negative_weights(const CsrMatrix& adj);

// `n` as its per-node form (normalization_form.h), which the GPU builds S
// from; ArgumentError for a negative or non-finite self-loop weight.
NormalizationForm normalization_form(Normalization n, double self_loop_weight = 1.0);
// M from A by a form, on the host: what normalize_adjacency returns for the
// form's normalisation (aug_norm_adj bitwise), and the GPU's reference.
CsrMatrix normalize_by_form(const CsrMatrix& adj, const NormalizationForm& f);

}  // namespace sgc

// Propagation operators: one entry point from (adjacency, features, spec) to
// the propagated features the classifier is trained on. S is the graph
// normalisation named by spec.norm (graph/normalizations.h); each operator has
// its own file here with its formula and paper:
//
//   sgc        S^K X                                     Wu et al., ICML 2019
//   dgc        ((1 - T/K) I + (T/K) S)^K X as a truncated binomial series
//              in S (dgc.h)                              Wang et al., NeurIPS 2021
//   dgc_naive  the same by K forward-Euler steps (dgc.h)
//   heat       exp(-T (I - S)) X, truncated Poisson series (heat_kernel.h)
//   ssgc       alpha X + (1 - alpha)/K sum_{k=1..K} S^k X (ssgc.h)
//                                                        Zhu & Koniusz, ICLR 2021
//   ppr        alpha sum_k (1 - alpha)^k S^k X to a tolerance (ppr.h)
//                                                        Klicpera et al., ICLR 2019
//   sign       [X, S X, ..., S^K X] (sign.h)             Frasca et al., 2020
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"

namespace sgc {

struct OperatorSpec {
  std::string op = "sgc";             // which operator (see above)
  int k = 2;                          // propagation steps / hops (--k)
  std::string norm = "aug_norm_adj";  // graph normalisation (--norm)
  double self_loop = 1.0;             // self-loop weight g of the augmented normalisations (--self-loop)
  double t = 5.0;                     // diffusion time T of dgc, dgc_naive, heat (--t)
  double alpha = 0.1;                 // teleport / input weight of ssgc and ppr (--alpha)
  double tol = 1e-6;                  // remaining series weight at which dgc, heat, ppr stop (--tol)
};

// Every operator name, in the order of the table above.
const std::vector<std::string>& operator_names();

// The OperatorSpec fields an operator reads besides norm and self_loop, by
// their flag names ("k", "t", "alpha", "tol").
std::vector<std::string> operator_parameters(const std::string& op);

// Checks names and parameter domains (of every field, used or not); throws
// sgc::ArgumentError naming the flag.
void validate_operator(const OperatorSpec& spec);

// The normalised graph operator named by spec.norm.
CsrMatrix normalized_operator(const CsrMatrix& adj, const OperatorSpec& spec);

// Number of sparse matrix products the operator does (the last one may be
// restricted to the requested rows), without doing them.
int64_t planned_sparse_products(const OperatorSpec& spec);

// Propagated features for sparse or dense input features: of every node, or
// only of the nodes in *rows (in that order) when rows is given, which lets an
// operator skip work for nodes nobody asked for.
DenseMatrix apply_operator(const CsrMatrix& s, const CsrMatrix& x, const OperatorSpec& spec,
                           const std::vector<int32_t>* rows = nullptr);
DenseMatrix apply_operator(const CsrMatrix& s, DenseMatrix x, const OperatorSpec& spec,
                           const std::vector<int32_t>* rows = nullptr);

// The same, with the number of sparse products that were done.
struct OperatorResult {
  DenseMatrix features;
  int64_t sparse_products = 0;
};
OperatorResult run_operator(const CsrMatrix& s, const CsrMatrix& x, const OperatorSpec& spec,
                            const std::vector<int32_t>* rows = nullptr);
OperatorResult run_operator(const CsrMatrix& s, DenseMatrix x, const OperatorSpec& spec,
                            const std::vector<int32_t>* rows = nullptr);

}  // namespace sgc

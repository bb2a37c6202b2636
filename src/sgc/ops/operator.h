// Propagation operators: one entry point from (adjacency, features, spec) to
// the propagated features the classifier is trained on.
//
//   sgc   F = S^K X (Wu et al., ICML 2019), S = normalised adjacency.
// (Further operators of the SGC family register here; see OperatorSpec.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"

namespace sgc {

struct OperatorSpec {
  std::string op = "sgc";           // which operator
  int k = 2;                        // propagation steps
  std::string norm = "aug_norm_adj";  // graph normalisation
  double self_loop = 1.0;           // self-loop weight g of the augmented normalisations
};

// Checks names and parameter domains; throws sgc::ArgumentError naming the flag.
void validate_operator(const OperatorSpec& spec);

// The normalised graph operator named by spec.norm.
CsrMatrix normalized_operator(const CsrMatrix& adj, const OperatorSpec& spec);

// Propagated features for sparse or dense input features: of every node, or
// only of the nodes in *rows (in that order) when rows is given, which lets an
// operator skip work for nodes nobody asked for.
DenseMatrix apply_operator(const CsrMatrix& s, const CsrMatrix& x, const OperatorSpec& spec,
                           const std::vector<int32_t>* rows = nullptr);
DenseMatrix apply_operator(const CsrMatrix& s, DenseMatrix x, const OperatorSpec& spec,
                           const std::vector<int32_t>* rows = nullptr);

}  // namespace sgc

// Induced subgraphs, for the inductive protocol (the training graph is the
// full graph restricted to the training nodes).
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/graph/csr.h"

namespace sgc {

// A[nodes, nodes]: row and column r of the result is node nodes[r] of a.
// nodes must be distinct and in range (sgc::ArgumentError otherwise).
CsrMatrix induced_subgraph(const CsrMatrix& a, const std::vector<int32_t>& nodes);

}  // namespace sgc

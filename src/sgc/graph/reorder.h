// Node orderings for locality of the propagation's gathers, and applying one.
//
// Reverse Cuthill-McKee (Cuthill & McKee 1969; George 1971): breadth-first
// search from a low-degree node of each component, visiting neighbours by
// increasing degree, then reversed — neighbours get nearby ids, so the rows of
// X a row of S gathers sit close together. Degree order puts the hubs, which
// most non-zeros point to, first and together.
//
// Measured by bench/reorder_bench (d = 602, 2 threads, README "Node
// reordering"): on the Reddit-shaped graph, where the column-panel kernel
// runs, neither ordering gains more than 3% per hop and computing one costs
// about 2.5 hops; on the smaller real graphs RCM makes the whole-row kernel
// 1.36-1.56x faster per hop (Pubmed, Coauthor CS, Amazon Computers), which
// pays only over many hops. So the pipeline keeps the stored order; these
// functions are for callers who propagate many times over one graph.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"

namespace sgc {

// order[new_id] = old_id for a square, structurally symmetric matrix.
std::vector<int32_t> reverse_cuthill_mckee(const CsrMatrix& a);

// Nodes by decreasing number of non-zeros in their row (ties by id).
std::vector<int32_t> degree_order(const CsrMatrix& a);

// P A P^T for the permutation `order` (order[new] = old): entry (i, j) of the
// result is a(order[i], order[j]). Throws ArgumentError if order is not a
// permutation of 0..rows-1 or a is not square.
CsrMatrix permute_symmetric(const CsrMatrix& a, const std::vector<int32_t>& order);

}  // namespace sgc

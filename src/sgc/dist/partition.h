// How the nodes are split among ranks. Every rank owns one contiguous range
// of node ids in a numbering of the graph: the original one (contiguous
// blocks), or one in which each METIS part is a range (the graph renumbered
// part by part, keeping the original order inside a part).
//
//   contiguous  ranges with about equal (non-zeros + rows) of S, so each
//               rank does about the same work per hop (power-law graphs put
//               most non-zeros in few rows);
//   metis       METIS k-way partition (Karypis & Kumar, SIAM J. Sci. Comput.
//               1998) minimising the edge cut, vertices weighted by their
//               degree + 1 so the parts balance the same work; fewer halo
//               rows to exchange per hop when the graph has communities.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/graph/csr.h"

namespace sgc::dist {

enum class PartitionMethod { Contiguous, Metis };
PartitionMethod parse_partition_method(const std::string& name);  // "contiguous" | "metis"; ArgumentError otherwise
std::string to_string(PartitionMethod m);

struct Partition {
  std::vector<int64_t> bounds;  // parts + 1 entries: rank r owns new ids [bounds[r], bounds[r + 1])
  std::vector<int32_t> order;   // order[new id] = original id; empty: the identity

  int parts() const { return int(bounds.size()) - 1; }
  int64_t nodes() const { return bounds.back(); }
  int64_t size_of(int r) const { return bounds[size_t(r) + 1] - bounds[size_t(r)]; }
  int32_t original(int64_t new_id) const { return order.empty() ? int32_t(new_id) : order[size_t(new_id)]; }
  // new_id[original id] (the inverse of order).
  std::vector<int32_t> new_ids() const;
  // The rank owning a new id.
  int owner(int64_t new_id) const;
  // The original ids rank r owns, in new-id order.
  std::vector<int32_t> owned(int r) const;
};

// Exactly `parts` ranges (some may be empty when there are fewer rows than
// parts) with about equal (non-zeros + rows) of a.
Partition contiguous_partition(const CsrMatrix& a, int parts);
// The same from a's row offsets alone (indptr, rows + 1 entries).
Partition contiguous_partition(const std::vector<int64_t>& indptr, int parts);
// METIS on the graph of adj (self-loops dropped, pattern symmetrised); the
// same partition for the same graph, parts and seed.
Partition metis_partition(const CsrMatrix& adj, int parts, uint64_t seed = 1);
Partition make_partition(PartitionMethod m, const CsrMatrix& adj, int parts, uint64_t seed = 1);

// Non-zeros of a (original numbering) whose row and column belong to different ranks.
int64_t cut_nonzeros(const CsrMatrix& a, const Partition& p);

}  // namespace sgc::dist

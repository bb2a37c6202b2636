// The Reddit-shaped generator (sgc/data/powerlaw.h) on P ranks, each drawing
// only its rows: the same part, bit for bit, as generating the whole graph in
// one process and cutting it into contiguous blocks balanced by non-zeros
// (partition.h), so a graph larger than one machine never exists in one place.
//
// Every draw of the generator belongs to one node (per-node random streams),
// so:
//   1. each rank builds the per-node tables (weights, labels, samplers,
//      split; with the degrees of step 3, O(nodes), ~50 bytes a node) and
//      draws the edges its nodes start, for a provisional block of nodes
//      balanced by expected degree;
//   2. each edge i - j goes, both ways, to the provisional owner of its row
//      (MPI_Alltoallv), which sorts and merges its rows as the one-process
//      CSR does;
//   3. the rows' sizes and training-neighbour counts are all-gathered
//      (O(nodes)), which gives every rank the contiguous partition and each
//      halo node's degrees;
//   4. rows move to their final owners (MPI_Alltoallv); features and labels
//      are drawn for the final rows.
// Memory per rank: the per-node tables, a few times its share of the edges
// (as int32 pairs) while they move, and the features of its rows only.
#pragma once

#include "sgc/data/powerlaw.h"
#include "sgc/dist/comm.h"
#include "sgc/dist/rank_part.h"

namespace sgc::dist {

struct GeneratedPart {
  RankPart part;
  int64_t cut = 0;  // non-zeros of A between ranks (the same on every rank)
};

// Collective; invalid options are the same error on every rank (CollectiveError).
GeneratedPart generate_powerlaw_part(const Comm& comm, const PowerLawOptions& o);

}  // namespace sgc::dist

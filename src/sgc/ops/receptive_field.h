// A few rows of a series operator, computed on their receptive field only.
//
// Row i of S^j X depends only on the rows of X within j hops of i, so for
// Y = sum_{j=0..J} w_j S^j X (every series operator: sgc, ssgc, ppr, heat,
// dgc, poly; hop_plan.h) the rows R of Y need hop j only on G_{J-j}, the
// nodes within J - j hops of R (G_0 = R, G_m = G_{m-1} and its neighbours).
// A transductive run reads the train and val rows this way (the test rows go
// through the head, linear_rows.h): on Pubmed (19,717 nodes) SGC's K = 2
// needs its first hop on the 2,624 nodes next to the 560 train and val
// nodes, not on all of them, and its hop buffers shrink by as much.
//
// The nodes are renumbered in nested levels (R first, then the rest of G_1,
// then of G_2, ...), so hop j takes the first |G_{J-j}| rows of one
// renumbered S (each hop keeps its own copy of them: at most S's size in
// all, else the field is not used). A row keeps S's entries in their order
// (only the column ids change), so each sum is formed in the same order as
// over the whole S: with dense features SGC's rows are bitwise the whole
// run's (tests/receptive_field_test.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/hop_plan.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/out_of_core.h"

namespace sgc {

class ReceptiveField {
 public:
  // The field of `rows` for the series with these weights (J = weights.size()
  // - 1 products of S), or nullopt when a hop buffer, G_1 .. G_{J-1}, would
  // cover more than max_nodes nodes (then the whole S costs about the same)
  // or the hops' rows of S would together hold more entries than S.
  // ArgumentError for a row outside S or no weights.
  static std::optional<ReceptiveField> of(const CsrMatrix& s, const std::vector<int32_t>& rows,
                                          std::vector<double> weights, int64_t max_nodes);

  int hops() const { return int(hop_.size()); }
  // Nodes of the widest hop buffer, G_{hops-1} (the rows alone for one hop).
  int64_t widest() const { return level_.back(); }
  // Rows handed out, in the order given (repeats allowed).
  int64_t rows() const { return int64_t(out_.size()); }

  // Rows of sum_j w_j S^j X for X with all of S's rows (sparse or dense),
  // summed as apply_polynomial does (polynomial.h). ArgumentError for other
  // shapes, Error when the result overflows.
  DenseMatrix run(const FeatureInput& x) const;

  // The same, a column block at a time from `source` (width columns a block,
  // sparse blocks densified where dense_blocks_pay): rows() x d.
  DenseMatrix run_blocked(const ColumnSource& source, int64_t width, BlockedRun* info = nullptr) const;
  // The matrix of the first hop (what a block of X is multiplied by); null
  // for a series without hops.
  const CsrMatrix* first_hop() const { return hop_.empty() ? nullptr : &hop_.front(); }

 private:
  ReceptiveField() = default;

  std::vector<double> weights_;
  std::vector<int32_t> order_;  // new id -> node, levels nested: G_0, then G_1 \ G_0, ...
  std::vector<int64_t> level_;  // level_[m] = |G_m|, m = 0 .. max(hops - 1, 0)
  // hop_[j - 1]: rows [0, |G_{J-j}|) of S renumbered; hop 1 keeps S's column
  // ids (it reads X directly), later hops read the previous hop's buffer.
  std::vector<CsrMatrix> hop_;
  std::vector<int32_t> out_;  // new id of each requested row
};

// Whether the train and val rows of a lean transductive run (linear_rows.h)
// should be propagated on their receptive field: a series operator in fp32
// whose widest hop is at most half the nodes. The field, else nullopt.
std::optional<ReceptiveField> lean_receptive_field(const CsrMatrix& s, const OperatorSpec& spec,
                                                   const std::vector<int32_t>& rows);

}  // namespace sgc

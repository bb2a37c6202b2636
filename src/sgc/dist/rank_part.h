// What one rank needs of a data set, before normalisation: its rows of A, raw
// features, labels and split, and for each halo node (a column of its rows
// owned elsewhere) the node's degree and, for the inductive protocol, its
// index among its owner's training nodes and its degree in the graph induced
// on the training nodes. With these a rank builds its rows of any
// normalisation of A (and of the training graph's) exactly as one process
// would, up to the order of the sums, without the rest of the graph.
//
// Three sources give the same RankPart: cutting a data set one process holds
// (PartCutter: `sgc partition`, the tests), a part file (part_file.h), and a
// generator drawing only this rank's rows (powerlaw_part.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/data/dataset.h"
#include "sgc/dist/comm.h"
#include "sgc/dist/dist_job.h"
#include "sgc/dist/partition.h"
#include "sgc/model/config.h"

namespace sgc::dist {

struct RankPart {
  int rank = 0, parts = 1;
  int64_t nodes = 0, first = 0, rows = 0, features = 0;  // this rank owns partition ids [first, first + rows)
  int32_t classes = 0;
  CsrMatrix a;  // rows of A, columns in the partition numbering, each row's order as in A
  std::vector<int64_t> halo;  // sorted partition ids
  std::vector<double> halo_deg, halo_train_deg;
  std::vector<int64_t> halo_train;  // index among its owner's training nodes; -1: not a training node
  std::vector<int32_t> labels;      // per row, -1: none
  std::vector<uint8_t> split;       // per row: 0 none, 1 train, 2 val, 3 test
  LocalFeatures x;                  // raw
};

// Cuts a data set one process holds into the parts of a partition.
class PartCutter {
 public:
  PartCutter(const Dataset& d, const Partition& p);
  RankPart part(int r) const;
  int64_t cut() const;  // non-zeros of A between parts

 private:
  const Dataset& d_;
  const Partition& p_;
  std::vector<int32_t> new_id_;
  std::vector<uint8_t> split_;
  std::vector<double> deg_, train_deg_;
  std::vector<int64_t> train_index_;
};

// Whether two parts are the same bit for bit; empty, or the first field that differs.
std::string compare_parts(const RankPart& a, const RankPart& b);

// This rank's LocalData from its part (collective): normalises the features
// over every rank's rows and builds S's rows, and the training graph's for
// the inductive protocol. `what` names the source in errors.
LocalData local_data(const Comm& comm, RankPart part, const Config& c, const std::string& name, int64_t cut,
                     const std::string& what);

}  // namespace sgc::dist

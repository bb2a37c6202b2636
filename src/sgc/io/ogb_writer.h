// Writes a data set in the Open Graph Benchmark node-property raw layout that
// io/ogb.h reads (so a synthetic graph of ogbn-products' shape exercises the
// OGB reader at scale, and other tools can read what sgc generates):
//   <dir>/raw/num-node-list.csv.gz, num-edge-list.csv.gz, edge.csv.gz (each
//   undirected edge once, "i,j" with i <= j), node-feat.csv.gz (the shortest
//   decimal that reads back as the same float32), node-label.csv.gz (the
//   file's label values; "nan" for unlabelled nodes)
//   <dir>/split/<split>/{train,valid,test}.csv.gz
// Every file is gzip-compressed as it is written and replaces its target
// atomically (util/atomic_file.h). Dense features only.
#pragma once

#include <string>

#include "sgc/data/dataset.h"

namespace sgc {

void write_ogb_node_dataset(const std::string& dir, const Dataset& d, const std::string& split = "random");

}  // namespace sgc

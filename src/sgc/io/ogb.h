// The Open Graph Benchmark node-property-prediction raw layout (Hu et al.,
// NeurIPS 2020; ogb/io/read_graph_raw.py read_csv_graph_raw and
// ogb/nodeproppred/dataset.py get_idx_split), e.g. ogbn_arxiv/:
//   raw/num-node-list.csv.gz    one line: the node count N (one graph)
//   raw/edge.csv.gz             one edge per line, "src,dst" (made undirected)
//   raw/num-edge-list.csv.gz    optional: the edge count, checked if present
//   raw/node-feat.csv.gz        N lines of F comma-separated floats
//   raw/node-label.csv.gz       N lines, one integer class id ("nan" or an
//                               empty field: unlabelled); a single column
//   split/<name>/{train,valid,test}.csv.gz   one node id per line
// `dir` may be the data set folder (holding raw/ and split/) or raw/ itself
// (split/ is then its sibling). Heterogeneous graphs (ogbn-mag) and
// multi-label tasks (ogbn-proteins) are not this layout and are rejected.
// Errors name the file and line: "raw/node-feat.csv.gz:17: expected 128 values, found 127".
#pragma once

#include <string>

#include "sgc/data/dataset.h"
#include "sgc/io/format/text_lines.h"

namespace sgc {

// True if `dir` holds raw/edge.csv.gz or edge.csv.gz.
bool is_ogb_node_dir(const std::string& dir);

// Loads the data set; split_name picks split/<name> (empty: the only one
// there; several -> sgc::ArgumentError listing them).
// feature_store: a feature store (.sgcf) read instead of node-feat.csv.gz.
Dataset load_ogb_node_dataset(const std::string& dir, const std::string& split_name = "",
                              const std::string& feature_store = "");

// The parsers of the individual files (exposed for tests and fuzzing):
// one integer in [0, limit) per line (split files, counts);
std::vector<int64_t> read_ogb_ids(TextLines& in, int64_t limit);
// exactly n rows of F comma-separated finite floats (F set by the first row);
DenseMatrix read_ogb_features(TextLines& in, int64_t n);
// exactly n single-column labels, -1 for "nan" / empty.
std::vector<int64_t> read_ogb_labels(TextLines& in, int64_t n);

}  // namespace sgc

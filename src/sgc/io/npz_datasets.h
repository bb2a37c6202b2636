// Node-classification data sets distributed as a single .npz (format/npz.h):
//
//  * heterophilous: Platonov et al., "A critical look at the evaluation of
//    GNNs under heterophily" (ICLR 2023), yandex-research/heterophilous-graphs
//    data/<name>.npz: node_features float (N, F), node_labels int (N,), edges
//    int (E, 2), train_masks / val_masks / test_masks bool (S, N), S = 10
//    splits (a single (N,) mask is one split). Edges are made undirected.
//  * graphdata: EdisonLeeeee/GraphData datasets/<name>.npz: adj_matrix and
//    node_attr are 0-d object arrays holding a pickled scipy csr_matrix
//    (pickle protocol 3), node_label int (N,). The adjacency is made
//    undirected and unweighted (amazon_cs is stored asymmetric). A file
//    without node_attr (polblogs) gets identity features. Label values are
//    mapped to 0..C-1 by rank (blogcatalog / flickr use 1..C), the file's
//    values kept in Dataset::label_values.
//  * gnn-benchmark: shchur/gnn-benchmark data/npz/<name>.npz (adj_data /
//    adj_indices / adj_indptr / adj_shape, attr_* likewise or a dense
//    attr_matrix, labels), and klicperajo/ppnp cora_ml.npz (the same under
//    "adj_matrix." / "attr_matrix." prefixes). Directed citations are made
//    undirected. Features are required: a missing attr_* member, or no
//    attributes at all, is an error (never identity features); a declared
//    attr_shape with more than 65536 + nnz columns, or whose dense float32
//    form exceeds the memory budget, is refused before anything is allocated.
// graphdata and gnn-benchmark files have no split: the per-class split of
// class_split.h (20 / 30 / rest) is drawn with the given seed.
// The data set is named after the file (texas.npz -> "texas").
// Errors: sgc::FileError if the file cannot be read; sgc::FormatError naming
// the file and the entry for any malformed content; sgc::ArgumentError for a
// split index out of range.
#pragma once

#include <string>

#include "sgc/data/class_split.h"
#include "sgc/data/dataset.h"
#include "sgc/io/format/npz.h"

namespace sgc {

// Number of stored splits in a heterophilous file (rows of train_masks).
int heterophilous_split_count(const NpzFile& f);
Dataset load_heterophilous(const NpzFile& f, int split);
Dataset load_heterophilous(const std::string& path, int split);

Dataset load_graphdata(const NpzFile& f, const ClassSplitOptions& split);
Dataset load_graphdata(const std::string& path, const ClassSplitOptions& split);

Dataset load_gnn_benchmark(const NpzFile& f, const ClassSplitOptions& split);

// Which of the layouts above an .npz holds, from its keys: "heterophilous",
// "graphdata", "gnn-benchmark", "fastgcn-reddit" (reddit.npz), "scipy-sparse"
// (a bare matrix from save_npz), or "" if none.
std::string npz_layout(const NpzFile& f);

}  // namespace sgc

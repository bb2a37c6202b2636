// Reddit as distributed by FastGCN (Chen et al., ICLR 2018; matenure/FastGCN
// utils.py loadRedditFromNPZ) and used by SGC (Tiiiger/SGC utils.py
// load_reddit_data):
//   reddit_adj.npz  a scipy.sparse matrix saved with save_npz (csr, csc or coo)
//   reddit.npz      feats (N, F) float; y_train, y_val, y_test: class ids
//                   (1-D ints) or one-hot rows (2-D); train_index,
//                   val_index, test_index: node ids (1-D ints), y_* aligned
//                   with them.
//
// The adjacency: SGC builds adj + adj.T. FastGCN's file stores each
// undirected edge once (the edges of an undirected networkx graph), so
// adj + adj.T is the symmetric 0/1 adjacency; that is what this reader
// returns: the undirected union, unit weights, duplicates collapsed, stored
// self-loops kept once (adj + adj.T would give them weight 2). If the stored
// matrix is already symmetric, adj + adj.T doubles every weight, and
// AugNormAdj(2A) = D'^-1/2 (A + I/2) D'^-1/2 with D' = D + I/2: SGC's
// operator is then AugNormAdj with self-loop weight 1/2 (OperatorSpec
// self_loop = 0.5) on the unit graph returned here. RedditAdjacencyInfo
// reports which case a file is, so a caller can choose.
// Labels of nodes in no index are -1; the number of classes is max label + 1.
// The data set is named after the folder.
// Errors name the file and entry ("reddit.npz: entry 'y_val.npy': ...").
#pragma once

#include <string>

#include "sgc/data/dataset.h"

namespace sgc {

struct RedditAdjacencyInfo {
  int64_t stored_nonzeros = 0;  // entries in reddit_adj.npz
  bool stored_symmetric = false;  // then SGC's adj + adj.T doubles weights: use self_loop = 0.5
  int64_t self_loops = 0;
};

// `dir` holds reddit_adj.npz and reddit.npz.
// feature_store: a feature store (.sgcf) read instead of reddit.npz's feats.
Dataset load_fastgcn_reddit(const std::string& dir, RedditAdjacencyInfo* info = nullptr,
                            const std::string& feature_store = "");

// Writes `d` (its unit-weight symmetric adjacency, dense or sparse features,
// labels and split) in that layout: reddit_adj.npz holds each undirected edge
// once (i <= j, csr, float32 ones, int32 indices and indptr; int64 when
// nnz >= 2^31), as FastGCN's does, so adj + adj.T is the graph; reddit.npz
// holds feats float32 (N, F), y_* int64 class ids and *_index int64.
// deflate: compress the entries (savez_compressed) instead of storing them.
void write_fastgcn_reddit(const std::string& dir, const Dataset& d, bool deflate);

}  // namespace sgc

// Loader for the Planetoid citation data sets (Cora, CiteSeer, PubMed) in the
// `ind.<name>.{x,y,tx,ty,allx,ally,graph,test.index}` files of Yang et al.
// 2016, assembled exactly as GCN / SGC `utils.load_data` does (see
// shared/data/README.md section 1 and tkipf/gcn gcn/utils.py).
#pragma once

#include <string>

#include "sgc/data/dataset.h"

namespace sgc {

// Loads <dir>/ind.<name>.* (cora, citeseer, pubmed, or any set in that
// layout; presets are the three sets' by name, defaults otherwise):
//  * features = vstack(allx, tx) with row j of tx placed at node test.index[j]
//    (nodes in min..max of test.index that it does not list, 15 in CiteSeer,
//    get an empty feature row and label -1);
//  * labels = argmax of the one-hot rows of ally / ty (all-zero row -> -1);
//  * adjacency = the graph dict symmetrised, duplicates collapsed, unit
//    weights, self-loops kept;
//  * train = 0..len(y)-1, val = len(y)..len(y)+499, test = sorted test.index.
// Throws sgc::ArgumentError for a name with a '/', sgc::FileError for a missing
// file and sgc::FormatError naming the file for any malformed or inconsistent
// content.
Dataset load_planetoid(const std::string& dir, const std::string& name);

}  // namespace sgc

// One entry point for every data source the command line accepts: a data set
// name (resolved under the data root), a family-qualified name
// ("<family>/<name>": <root>/<family>/<name>.npz), or a path to a file or
// folder in a supported layout.
//
// Names (files in shared/data; see its README):
//   planetoid      cora, citeseer, pubmed        (planetoid.h; the public split)
//   heterophilous  roman_empire, amazon_ratings, minesweeper, tolokers,
//                  questions, chameleon, squirrel (+ _directed, _filtered,
//                  _filtered_directed: their edges too are read as
//                  undirected, as every graph here), actor, cornell, texas,
//                  texas_4_classes, wisconsin    (10 stored splits: --split 0..9)
//   graphdata      amazon_cs, coauthor_cs, dblp, polblogs, citeseer_full,
//                  acm, blogcatalog, flickr, uai (random 20/30/rest split)
//   ppnp           cora_ml                       (random 20/30/rest split)
//   qualified      npz/cora, npz/citeseer (gnn-benchmark), heterophilous/<n>,
//                  graphdata/<n>, ppnp/cora_ml
// Paths:
//   <dir> with reddit_adj.npz + reddit.npz    FastGCN Reddit (fastgcn_reddit.h)
//   <dir> with raw/edge.csv.gz (or edge.csv.gz)  OGB node property (ogb.h)
//   <file>.npz   detected from its keys: heterophilous, graphdata,
//                gnn-benchmark / ppnp, or a bare scipy sparse matrix
//   any other file   by its first bytes: a zip is an .npz without its
//                    extension; an .npy, a feature store, a model file or an
//                    xz / bzip2 / zstd file is refused, naming what it is;
//                    else an edge list, text or gzip (edge_list.h), or a Matrix
//                    Market coordinate file (matrix_market.h: its banner tells)
// A bare graph (edge list, scipy matrix) gets SYNTHETIC features, labels and
// split (synthetic_attributes.h): only its structure is real, and the data
// set's name says so ("soc-Slashdot0902 [synthetic features and labels]").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/data/dataset.h"
#include "sgc/data/synthetic_attributes.h"

namespace sgc {

// The data root: $SGC_DATA_DIR if set, else ../shared/data if it exists
// (relative to the working directory), else the repository's ../shared/data
// recorded at build time.
std::string default_data_root();

struct LoadOptions {
  // Folder holding the named data set's files; empty: <root>/<family>
  // (<root>/planetoid, <root>/heterophilous, ...). The data root itself works
  // too (its <family>/ subfolder is used when the files are not directly in dir).
  std::string dir;
  // Stored splits (heterophilous): which one, 0-based. Data sets without a
  // stored split draw a per-class 20 / 30 / rest split with seed (seed + split).
  // Data sets with one fixed split (Planetoid, OGB, FastGCN) accept only 0.
  int split = 0;
  uint64_t seed = 0;
  std::string ogb_split;  // OGB: the split/<name> folder; empty: the only one
  SyntheticAttributes synthetic;  // for bare graphs (seed is replaced by `seed`)
  // A feature store (.sgcf: sgc convert, sgc generate --format store) whose
  // rows replace the data set's node features (use_feature_store); empty: none.
  std::string feature_store;
};

// Replaces d's node features with the feature store at `path`, row i for
// node i (checked: header, CRC, finite values, one row per node, its size
// against the memory budget); FormatError / FileError naming the file.
void use_feature_store(Dataset& d, const std::string& path);

// Unknown names throw sgc::ArgumentError listing the known ones; missing
// files sgc::FileError; malformed content sgc::FormatError naming the file.
Dataset load_dataset(const std::string& name, const LoadOptions& options);
// Same as load_dataset(name, LoadOptions{dir}).
Dataset load_dataset(const std::string& name, const std::string& dir);

// Every name load_dataset resolves without a path, in a stable order.
std::vector<std::string> known_dataset_names();

}  // namespace sgc

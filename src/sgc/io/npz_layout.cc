// Layout detection for .npz data sets (npz_datasets.h), used by load_dataset
// (load.cc) to pick a loader for a path.
#include "sgc/io/npz_datasets.h"

namespace sgc {

std::string npz_layout(const NpzFile& f) {
  if (f.has("node_features") && f.has("edges") && f.has("node_labels")) return "heterophilous";
  if (f.has("adj_matrix") && f.has("node_label")) return "graphdata";
  if ((f.has("adj_data") || f.has("adj_matrix.data")) && f.has("labels")) return "gnn-benchmark";
  if (f.has("feats") && f.has("train_index")) return "fastgcn-reddit";
  if (f.has("format") && f.has("shape") && f.has("data")) return "scipy-sparse";
  return "";
}

}  // namespace sgc

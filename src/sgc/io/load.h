// One entry point for every data source the command line accepts by name.
#pragma once

#include <string>

#include "sgc/data/dataset.h"

namespace sgc {

// The data root: $SGC_DATA_DIR if set, else ../shared/data if it exists
// (relative to the working directory), else the repository's ../shared/data
// recorded at build time. Planetoid files are in <root>/planetoid.
std::string default_data_root();

// Loads cora | citeseer | pubmed from `dir` (the folder holding the ind.*
// files; empty -> <default_data_root()>/planetoid). Unknown names throw
// sgc::ArgumentError listing the known ones.
Dataset load_dataset(const std::string& name, const std::string& dir);

}  // namespace sgc

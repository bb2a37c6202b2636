// Names of the data sets load_dataset (load.h) resolves, without reading files.
#pragma once

#include <string>

namespace sgc {

// The family ("planetoid", "heterophilous", "graphdata", ...) of a name
// load_dataset resolves without a path: a known name, or "<family>/<name>"
// with a known family. Any other name (paths included) throws the
// sgc::ArgumentError load_dataset throws for an unknown name (close matches
// suggested).
std::string dataset_family(const std::string& name);

}  // namespace sgc

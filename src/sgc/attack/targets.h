// Target nodes of the attack: drawn at random with a seed among the test
// nodes the victim classifies correctly (InfAttack, Wang et al., WSDM 2024,
// sec. 5.1: 100 such nodes), or read from a file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/data/dataset.h"

namespace sgc::attack {

// `count` distinct test nodes with predicted[v] == label (fewer when fewer
// qualify), in drawing order; deterministic for a seed.
std::vector<int32_t> select_targets(const Dataset& d, const std::vector<int32_t>& predicted, int count,
                                    uint64_t seed);

// One node id per line (blank lines skipped; ids as integers or as floats
// with an integral value, "1.824e+03", as the InfAttack authors' lists are
// written; gzip-compressed or not, as the edge-list reader takes them).
// Duplicates are kept. FileError if it cannot be read (a folder is named as one),
// FormatError naming the file and line for a non-numeric, non-integral or
// out-of-range id ([0, num_nodes)) or a file without ids.
std::vector<int32_t> read_targets(const std::string& path, int64_t num_nodes);

}  // namespace sgc::attack

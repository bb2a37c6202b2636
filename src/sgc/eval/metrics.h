// Classification metrics over a subset of nodes.
#pragma once

#include <cstdint>
#include <vector>

namespace sgc {

// Fraction of positions where pred == truth (0 for empty input).
double accuracy(const std::vector<int32_t>& pred, const std::vector<int32_t>& truth);

// Micro-F1 (equals accuracy for single-label data) and macro-F1 (unweighted
// mean of per-class F1 over classes that occur in truth or pred).
double micro_f1(const std::vector<int32_t>& pred, const std::vector<int32_t>& truth);
double macro_f1(const std::vector<int32_t>& pred, const std::vector<int32_t>& truth, int32_t classes);

}  // namespace sgc

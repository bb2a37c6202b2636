// Classification metrics over a subset of nodes.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"

namespace sgc {

// Fraction of positions where pred == truth; NaN for empty input (a split
// without rows has no accuracy: the front ends print it as n/a, JSON as null).
double accuracy(const std::vector<int32_t>& pred, const std::vector<int32_t>& truth);

// Micro-F1 (equals accuracy for single-label data) and macro-F1 (unweighted
// mean of per-class F1 over classes that occur in truth or pred); NaN for
// empty input, as accuracy.
double micro_f1(const std::vector<int32_t>& pred, const std::vector<int32_t>& truth);
double macro_f1(const std::vector<int32_t>& pred, const std::vector<int32_t>& truth, int32_t classes);

// The highest-scoring class of each row `rows` of scores (ties -> lowest id).
std::vector<int32_t> argmax_rows(const DenseMatrix& scores, const std::vector<int32_t>& rows);

}  // namespace sgc

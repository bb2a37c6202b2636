// See ssgc.h for the formula.
#include "sgc/ops/ssgc.h"

#include <string>

#include "sgc/error.h"

namespace sgc {

std::vector<double> ssgc_weights(int k, double alpha) {
  if (k < 1) throw ArgumentError("--k: SSGC averages K >= 1 hops, got " + std::to_string(k));
  if (!(alpha > 0 && alpha <= 1)) throw ArgumentError("--alpha: must be in (0, 1]");
  std::vector<double> c(size_t(k) + 1, (1.0 - alpha) / k);
  c[0] = alpha;
  return c;
}

}  // namespace sgc

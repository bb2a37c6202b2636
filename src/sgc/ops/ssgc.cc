// See ssgc.h for the formula.
#include "sgc/ops/ssgc.h"

#include <cmath>
#include <cstdlib>
#include <string>

#include "sgc/error.h"

namespace sgc {

std::vector<double> ssgc_weights(int k, double alpha) {
  if (k < 1) throw ArgumentError("--k: SSGC averages K >= 1 hops, got " + std::to_string(k));
  if (!(alpha > 0 && alpha <= 1)) throw ArgumentError("--alpha: must be in (0, 1]");
  std::vector<double> c(size_t(k) + 1, (1.0 - alpha) / k);
  c[0] = alpha;
  const char* v = std::getenv("SSGC_VARIANT");  // TEMP experiment
  if (v && std::string(v) == "alias") {  // (1+a)/K (X + sum (1-a)^k S^k X)
    for (int j = 0; j <= k; ++j) c[size_t(j)] = (1 + alpha) * std::pow(1 - alpha, j) / k;
  } else if (v && std::string(v) == "noalias") {  // (X + sum (1-a)^k S^k X)/K + a X
    for (int j = 0; j <= k; ++j) c[size_t(j)] = std::pow(1 - alpha, j) / k;
    c[0] += alpha;
  }
  return c;
}

}  // namespace sgc

#include "sgc/eval/metrics.h"

#include <limits>

#include "sgc/error.h"

namespace sgc {

namespace {
void check_same_length(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  if (a.size() != b.size()) throw ArgumentError("metrics: predictions and labels differ in length");
}
}  // namespace

double accuracy(const std::vector<int32_t>& pred, const std::vector<int32_t>& truth) {
  check_same_length(pred, truth);
  if (truth.empty()) return std::numeric_limits<double>::quiet_NaN();
  size_t hit = 0;
  for (size_t i = 0; i < truth.size(); ++i) hit += pred[i] == truth[i];
  return double(hit) / double(truth.size());
}

double micro_f1(const std::vector<int32_t>& pred, const std::vector<int32_t>& truth) {
  // Single-label: every miss is one false positive and one false negative.
  return accuracy(pred, truth);
}

double macro_f1(const std::vector<int32_t>& pred, const std::vector<int32_t>& truth, int32_t classes) {
  check_same_length(pred, truth);
  if (truth.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::vector<int64_t> tp(classes, 0), fp(classes, 0), fn(classes, 0);
  for (size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] < 0 || truth[i] >= classes || pred[i] < 0 || pred[i] >= classes)
      throw ArgumentError("metrics: class id out of range");
    if (pred[i] == truth[i]) {
      ++tp[truth[i]];
    } else {
      ++fp[pred[i]];
      ++fn[truth[i]];
    }
  }
  double sum = 0;
  int present = 0;
  for (int32_t c = 0; c < classes; ++c) {
    if (tp[c] + fp[c] + fn[c] == 0) continue;
    sum += 2.0 * tp[c] / double(2 * tp[c] + fp[c] + fn[c]);
    ++present;
  }
  return present ? sum / present : 0.0;
}

std::vector<int32_t> argmax_rows(const DenseMatrix& scores, const std::vector<int32_t>& rows) {
  std::vector<int32_t> pred(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    Eigen::Index best = 0;
    scores.row(rows[r]).maxCoeff(&best);
    pred[r] = int32_t(best);
  }
  return pred;
}

}  // namespace sgc

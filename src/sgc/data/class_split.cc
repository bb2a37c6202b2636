#include "sgc/data/class_split.h"

#include <algorithm>
#include <numeric>

#include "sgc/error.h"
#include "sgc/random.h"

namespace sgc {

int32_t compact_labels(const std::vector<int64_t>& raw, std::vector<int32_t>& labels, std::vector<int64_t>* out_values) {
  std::vector<int64_t> values;
  for (int64_t v : raw)
    if (v >= 0) values.push_back(v);
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  labels.resize(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    labels[i] = raw[i] < 0 ? -1
                           : static_cast<int32_t>(std::lower_bound(values.begin(), values.end(), raw[i]) - values.begin());
  }
  if (out_values) {
    out_values->clear();
    const bool identity = values.empty() || values.back() == static_cast<int64_t>(values.size()) - 1;
    if (!identity) *out_values = values;
  }
  return static_cast<int32_t>(values.size());
}

void split_per_class(Dataset& d, const ClassSplitOptions& opt) {
  if (opt.train_per_class < 1 || opt.val_per_class < 0) {
    throw ArgumentError("split: train_per_class must be >= 1 and val_per_class >= 0");
  }
  std::vector<int32_t> order;
  for (size_t i = 0; i < d.labels.size(); ++i)
    if (d.labels[i] >= 0) order.push_back(static_cast<int32_t>(i));
  Rng rng(splitmix64(opt.seed ^ 0x5e1ec7ull));
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  std::vector<int32_t> taken(static_cast<size_t>(std::max(d.num_classes, 0)), 0);
  d.train.clear();
  d.val.clear();
  d.test.clear();
  for (int32_t id : order) {
    const int32_t c = d.labels[id];
    if (c >= d.num_classes) throw ArgumentError("split: label " + std::to_string(c) + " outside the classes");
    const int32_t k = taken[c]++;
    if (k < opt.train_per_class) {
      d.train.push_back(id);
    } else if (k < opt.train_per_class + opt.val_per_class) {
      d.val.push_back(id);
    } else {
      d.test.push_back(id);
    }
  }
  std::sort(d.train.begin(), d.train.end());
  std::sort(d.val.begin(), d.val.end());
  std::sort(d.test.begin(), d.test.end());
}

}  // namespace sgc

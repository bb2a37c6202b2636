#include "sgc/model/tsc_steps.h"

#include <algorithm>
#include <cmath>

#include "sgc/error.h"
#include "sgc/gemm.h"
#include "sgc/ops/spmm.h"

namespace sgc {

double tsc_aggregate_probability(int step, double lambda) {
  const int l = step + 1;
  return l <= 2 ? 1.0 : std::log1p(lambda / double(l + 1));
}

std::vector<int> tsc_contrast_steps(int layers, int contrast_k) {
  std::vector<int> steps;
  if (contrast_k <= 1) {
    for (int i = 0; i < layers; ++i) steps.push_back(i);
    return steps;
  }
  for (int64_t p = 1; p < layers; p *= contrast_k) steps.push_back(int(p));
  return steps;
}

TscMasks draw_tsc_masks(int layers, int hidden, double lambda, Rng& rng) {
  TscMasks m(static_cast<size_t>(layers), std::vector<uint8_t>(static_cast<size_t>(hidden)));
  for (int i = 0; i < layers; ++i) {
    const double p = tsc_aggregate_probability(i, lambda);
    for (int j = 0; j < hidden; ++j) m[i][j] = p >= 1.0 || rng.uniform() < p;
  }
  return m;
}

CsrMatrix csr_transpose(const CsrMatrix& a) {
  CsrMatrix t;
  t.rows = a.cols, t.cols = a.rows;
  t.indptr.assign(size_t(a.cols) + 1, 0);
  for (int32_t c : a.indices) ++t.indptr[size_t(c) + 1];
  for (int64_t c = 0; c < a.cols; ++c) t.indptr[c + 1] += t.indptr[c];
  t.indices.resize(a.indices.size());
  t.values.resize(a.values.size());
  std::vector<int64_t> next(t.indptr.begin(), t.indptr.end() - 1);
  for (int64_t r = 0; r < a.rows; ++r)  // rows in order: each transposed row stays sorted
    for (int64_t e = a.indptr[r]; e < a.indptr[r + 1]; ++e) {
      const int64_t at = next[a.indices[e]]++;
      t.indices[at] = int32_t(r);
      t.values[at] = a.values[e];
    }
  return t;
}

namespace {

std::vector<int32_t> columns_where(const std::vector<uint8_t>& mask, uint8_t value) {
  std::vector<int32_t> cols;
  for (size_t j = 0; j < mask.size(); ++j)
    if (mask[j] == value) cols.push_back(int32_t(j));
  return cols;
}

// h[:, cols] = (S h)[:, cols] in place; other columns untouched. The product
// runs on the gathered columns only (all of them when every column is chosen),
// so a step that aggregates a few columns reads and writes only those.
void aggregate_columns(const CsrMatrix& s, const std::vector<int32_t>& cols, DenseMatrix& h) {
  if (cols.empty()) return;
  DenseMatrix out;
  if (cols.size() == size_t(h.cols())) {
    spmm(s, h, out);
    h.swap(out);
    return;
  }
  const Eigen::Index n = h.rows();
  DenseMatrix packed(n, Eigen::Index(cols.size()));
#pragma omp parallel for schedule(static)
  for (Eigen::Index r = 0; r < n; ++r)
    for (size_t c = 0; c < cols.size(); ++c) packed(r, Eigen::Index(c)) = h(r, cols[c]);
  spmm(s, packed, out);
#pragma omp parallel for schedule(static)
  for (Eigen::Index r = 0; r < n; ++r)
    for (size_t c = 0; c < cols.size(); ++c) h(r, cols[c]) = out(r, Eigen::Index(c));
}

}  // namespace

void tsc_forward_steps(const CsrMatrix& s, const TscMasks& masks, DenseMatrix& h, const std::vector<bool>& keep,
                       std::vector<DenseMatrix>& saved) {
  const size_t layers = masks.size();
  saved.assign(layers + 1, DenseMatrix());
  if (keep.size() > 0 && keep[0]) saved[0] = h;
  for (size_t i = 0; i < layers; ++i) {
    // Aggregated columns change; kept ones are already in place.
    aggregate_columns(s, columns_where(masks[i], 1), h);
    if (i + 1 < keep.size() && keep[i + 1]) saved[i + 1] = h;
  }
}

void tsc_backward_steps(const CsrMatrix& s, const TscMasks& masks, std::vector<DenseMatrix>& grads, DenseMatrix& dh0) {
  const size_t layers = masks.size();
  if (grads.size() != layers + 1 || grads[layers].size() == 0)
    throw ArgumentError("tsc_backward_steps: expected the gradient on H_L");
  DenseMatrix g = std::move(grads[layers]);
  for (size_t i = layers; i-- > 0;) {
    // H_{i+1} = M S H_i + (1 - M) H_i, S symmetric: dH_i = S (M dH_{i+1}) + (1 - M) dH_{i+1}.
    aggregate_columns(s, columns_where(masks[i], 1), g);
    if (grads[i].size() > 0) g += grads[i];
  }
  dh0 = std::move(g);
}

void tsc_expected(const CsrMatrix& s, int layers, double lambda, DenseMatrix& h) {
  DenseMatrix sh;
  for (int i = 0; i < layers; ++i) {
    const float p = float(tsc_aggregate_probability(i, lambda));
    spmm(s, h, sh);
    if (p >= 1.0f) h.swap(sh);
    else h = p * sh + (1.0f - p) * h;
  }
}

std::vector<std::vector<int>> tsc_counts(const TscMasks& masks, int hidden) {
  std::vector<std::vector<int>> counts(masks.size() + 1, std::vector<int>(size_t(hidden), 0));
  for (size_t i = 0; i < masks.size(); ++i)
    for (int j = 0; j < hidden; ++j) counts[i + 1][j] = counts[i][j] + masks[i][j];
  return counts;
}

namespace {
// Columns of `counts` equal to c.
std::vector<int32_t> columns_with_count(const std::vector<int>& counts, int c) {
  std::vector<int32_t> cols;
  for (size_t j = 0; j < counts.size(); ++j)
    if (counts[j] == c) cols.push_back(int32_t(j));
  return cols;
}

// out[:, cols] = p w[:, cols] (a dense product on the gathered columns).
void product_columns(const DenseMatrix& p, const DenseMatrix& w, const std::vector<int32_t>& cols, DenseMatrix& out) {
  DenseMatrix wc(w.rows(), Eigen::Index(cols.size()));
  for (size_t c = 0; c < cols.size(); ++c) wc.col(Eigen::Index(c)) = w.col(cols[c]);
  const DenseMatrix prod = gemm(p, Op::None, wc, Op::None);
  for (size_t c = 0; c < cols.size(); ++c) out.col(cols[c]) = prod.col(Eigen::Index(c));
}
}  // namespace

void tsc_forward_powers(const std::vector<DenseMatrix>& powers, const std::vector<std::vector<int>>& counts,
                        const DenseMatrix& w, const std::vector<bool>& keep, std::vector<DenseMatrix>& saved) {
  saved.assign(counts.size(), DenseMatrix());
  const Eigen::Index n = powers.at(0).rows();
  const DenseMatrix* previous = nullptr;
  size_t previous_i = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (i >= keep.size() || !keep[i]) continue;
    DenseMatrix h(n, w.cols());
    if (previous) {
      // Only the columns whose count changed since the last stored step.
      h = *previous;
      std::vector<int32_t> changed;
      for (size_t j = 0; j < counts[i].size(); ++j)
        if (counts[i][j] != counts[previous_i][j]) changed.push_back(int32_t(j));
      for (int c = 0; c < int(powers.size()); ++c) {
        std::vector<int32_t> cols;
        for (int32_t j : changed)
          if (counts[i][j] == c) cols.push_back(j);
        if (!cols.empty()) product_columns(powers[c], w, cols, h);
      }
    } else {
      for (int c = 0; c < int(powers.size()); ++c) {
        const std::vector<int32_t> cols = columns_with_count(counts[i], c);
        if (!cols.empty()) product_columns(powers[c], w, cols, h);
      }
    }
    for (int j = 0; j < int(counts[i].size()); ++j)
      if (counts[i][j] >= int(powers.size())) throw ArgumentError("tsc_forward_powers: a power S^c X is missing");
    saved[i] = std::move(h);
    previous = &saved[i], previous_i = i;
  }
}

void tsc_backward_powers(const std::vector<DenseMatrix>& powers, const std::vector<std::vector<int>>& counts,
                         const std::vector<DenseMatrix>& grads, DenseMatrix& dw) {
  const Eigen::Index n = powers.at(0).rows(), f = powers[0].cols();
  const int hidden = int(counts.at(0).size());
  dw = DenseMatrix::Zero(f, hidden);
  // Sum the gradients that meet the same power (count c, column j), then one
  // product P_c^T G_c per count.
  for (int c = 0; c < int(powers.size()); ++c) {
    std::vector<int32_t> cols;
    DenseMatrix g;
    for (int j = 0; j < hidden; ++j) {
      bool touched = false;
      for (size_t i = 0; i < grads.size(); ++i)
        if (grads[i].size() > 0 && counts[i][j] == c) touched = true;
      if (touched) cols.push_back(j);
    }
    if (cols.empty()) continue;
    g = DenseMatrix::Zero(n, Eigen::Index(cols.size()));
    for (size_t i = 0; i < grads.size(); ++i) {
      if (grads[i].size() == 0) continue;
      for (size_t k = 0; k < cols.size(); ++k)
        if (counts[i][cols[k]] == c) g.col(Eigen::Index(k)) += grads[i].col(cols[k]);
    }
    const DenseMatrix part = gemm(powers[c], Op::Transpose, g, Op::None);
    for (size_t k = 0; k < cols.size(); ++k) dw.col(cols[k]) += part.col(Eigen::Index(k));
  }
}

TscPathCosts tsc_path_costs(const CsrMatrix& s, const CsrMatrix& x, const TscMasks& masks,
                            const std::vector<bool>& keep) {
  TscPathCosts cost;
  const int hidden = masks.empty() ? 0 : int(masks[0].size());
  double aggregated = 0;
  for (const auto& m : masks)
    for (uint8_t v : m) aggregated += v;
  cost.steps = 2.0 * double(s.nnz()) * aggregated + 2.0 * double(x.nnz()) * hidden;
  // Column-count pairs the powers path multiplies: every column at the first
  // stored step, then each column whose count changed between stored steps.
  const auto counts = tsc_counts(masks, hidden);
  double pairs = 0;
  int last = -1;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (i >= keep.size() || !keep[i]) continue;
    for (int j = 0; j < hidden; ++j) pairs += last < 0 || counts[i][j] != counts[size_t(last)][j];
    last = int(i);
  }
  cost.powers = 2.0 * double(x.rows) * double(x.cols + 1) * pairs;
  return cost;
}

}  // namespace sgc

// See normalizations.h for the formulas.
//
// Every normalisation is one per-node form (normalization_form.h); one
// builder makes all of them.
#include "sgc/graph/normalizations.h"

#include <algorithm>
#include <cmath>

#include "sgc/error.h"
#include "sgc/util/printable.h"
#include "sgc/graph/normalize.h"

namespace sgc {

namespace {

struct NormInfo {
  Normalization norm;
  const char* snake;
  const char* camel;
};

constexpr NormInfo kNorms[] = {
    {Normalization::AugNormAdj, "aug_norm_adj", "AugNormAdj"},
    {Normalization::NormAdj, "norm_adj", "NormAdj"},
    {Normalization::RWalk, "rwalk", "RWalk"},
    {Normalization::AugRWalk, "aug_rwalk", "AugRWalk"},
    {Normalization::FirstOrderGcn, "first_order_gcn", "FirstOrderGCN"},
    {Normalization::LowPass, "low_pass", "LowPass"},
    {Normalization::NoNorm, "no_norm", "NoNorm"},
    {Normalization::NormLap, "norm_lap", "NormLap"},
    {Normalization::Lap, "lap", "Lap"},
    {Normalization::RWalkLap, "rwalk_lap", "RWalkLap"},
};

// Smaller graphs are normalised on one thread (waking the team costs more).
constexpr int64_t kParallelMinNonZeros = int64_t(1) << 16;

}  // namespace

NormalizationForm normalization_form(Normalization n, double g) {
  if (!(g >= 0) || !std::isfinite(g)) throw ArgumentError("--self-loop: must be a non-negative number");
  NormalizationForm f;
  auto identity_plus = [&](double c, double sign) {
    f.identity = c;
    f.sign = sign;
    f.stores_diagonal = true;
  };
  switch (n) {
    case Normalization::AugNormAdj:  // (D + gI)^-1/2 (A + gI) (D + gI)^-1/2, g as aug_norm_adj takes it (float)
      f.scale = NormalizationForm::kSymmetric;
      f.loop = double(static_cast<float>(g));
      f.loop_in_degree = true;
      break;
    case Normalization::NormAdj: f.scale = NormalizationForm::kSymmetric; break;
    case Normalization::RWalk: f.scale = NormalizationForm::kWalk; break;
    case Normalization::AugRWalk:
      f.scale = NormalizationForm::kWalk;
      f.loop = g;
      break;
    case Normalization::FirstOrderGcn:
      f.scale = NormalizationForm::kSymmetric;
      identity_plus(1.0, 1.0);
      break;
    case Normalization::LowPass:  // (I + NormAdj) / 2
      f.scale = NormalizationForm::kSymmetric;
      identity_plus(0.5, 0.5);
      break;
    case Normalization::NoNorm: break;
    case Normalization::NormLap:
      f.scale = NormalizationForm::kSymmetric;
      identity_plus(1.0, -1.0);
      break;
    case Normalization::Lap:
      identity_plus(0.0, -1.0);
      f.identity_is_degree = true;
      break;
    case Normalization::RWalkLap:
      f.scale = NormalizationForm::kWalk;
      identity_plus(1.0, -1.0);
      break;
  }
  if (f.loop != 0.0) f.stores_diagonal = true;
  return f;
}

CsrMatrix normalize_by_form(const CsrMatrix& adj, const NormalizationForm& f) {
  if (adj.rows != adj.cols) throw ArgumentError("normalize_adjacency: adjacency must be square");
  const int64_t n = adj.rows;
  const bool parallel = adj.nnz() >= kParallelMinNonZeros;
  std::vector<NodeScale> scale(static_cast<size_t>(n));
  std::vector<char> has_diag(static_cast<size_t>(n), 0);
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t i = 0; i < n; ++i) {
    bool diagonal = false;
    scale[i] = node_scale(f, row_degree(f, adj.indptr.data(), adj.indices.data(), adj.values.data(), i, &diagonal));
    has_diag[i] = diagonal;
  }
  CsrMatrix m;
  m.rows = m.cols = n;
  m.indptr.assign(n + 1, 0);
  for (int64_t i = 0; i < n; ++i)
    m.indptr[i + 1] =
        m.indptr[i] + (adj.indptr[i + 1] - adj.indptr[i]) + (f.stores_diagonal && !has_diag[i] ? 1 : 0);
  m.indices.resize(m.indptr[n]);
  m.values.resize(m.indptr[n]);
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t i = 0; i < n; ++i) {
    int64_t out = m.indptr[i];
    auto emit = [&](int32_t j, float a) {
      m.indices[out] = j;
      m.values[out] = normalized_entry(f, scale[i], scale[j].r, a, j == i);
      ++out;
    };
    bool diag_done = !f.stores_diagonal && !has_diag[i];
    for (int64_t p = adj.indptr[i]; p < adj.indptr[i + 1]; ++p) {
      const int32_t j = adj.indices[p];
      if (!diag_done && j >= i) {  // the diagonal goes in column order
        diag_done = true;
        if (j != i) emit(static_cast<int32_t>(i), 0.0f);  // a diagonal A does not store
      }
      emit(j, adj.values[p]);
    }
    if (!diag_done) emit(static_cast<int32_t>(i), 0.0f);
  }
  return m;
}

Normalization parse_normalization(const std::string& name) {
  for (const NormInfo& info : kNorms)
    if (name == info.snake || name == info.camel) return info.norm;
  std::string known;
  for (const NormInfo& info : kNorms) known += std::string(known.empty() ? "" : ", ") + info.snake;
  throw ArgumentError("--norm: unknown normalisation '" + printable(name) + "' (known: " + known + ")");
}

std::string to_string(Normalization n) {
  for (const NormInfo& info : kNorms)
    if (info.norm == n) return info.snake;
  return "?";
}

bool contractive(Normalization n) {
  switch (n) {
    case Normalization::AugNormAdj:
    case Normalization::NormAdj:
    case Normalization::RWalk:
    case Normalization::AugRWalk:
    case Normalization::LowPass: return true;
    default: return false;
  }
}

const std::vector<std::string>& normalization_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const NormInfo& info : kNorms) v.push_back(info.snake);
    return v;
  }();
  return names;
}

void require_non_negative_weights(const CsrMatrix& adj) {
  const int64_t nnz = adj.nnz();
  int64_t k = nnz;  // the first negative or non-finite entry
#pragma omp parallel for schedule(static) reduction(min : k) if (nnz > (1 << 16))
  for (int64_t e = 0; e < nnz; ++e)
    if (!(adj.values[size_t(e)] >= 0) || std::isinf(adj.values[size_t(e)])) k = std::min(k, e);
  if (k == nnz) return;
  const int64_t row = std::upper_bound(adj.indptr.begin(), adj.indptr.end(), k) - adj.indptr.begin() - 1;
  const float w = adj.values[size_t(k)];
  throw ArgumentError("adjacency weight " + std::to_string(w) + " at (" + std::to_string(row) + ", " +
                      std::to_string(adj.indices[size_t(k)]) + ") is " +
                      (std::isfinite(w) ? "negative" : "not finite") +
                      "; the normalisations need finite, non-negative edge weights");
}

CsrMatrix normalize_adjacency(const CsrMatrix& adj, Normalization n, double g) {
  if (adj.rows != adj.cols) throw ArgumentError("normalize_adjacency: adjacency must be square");
  require_non_negative_weights(adj);
  const NormalizationForm f = normalization_form(n, g);
  // aug_norm_adj: its own pass (with progress), bitwise the form's.
  if (n == Normalization::AugNormAdj) return aug_norm_adj(adj, static_cast<float>(g));
  return normalize_by_form(adj, f);
}

}  // namespace sgc

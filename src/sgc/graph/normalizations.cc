// See normalizations.h for the formulas.
//
// Every normalisation other than aug_norm_adj has the form
//   M = diag(c) + sign * diag(l) (A + gI) diag(r)
// with per-node vectors c, l, r; one builder makes all of them.
#include "sgc/graph/normalizations.h"

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

// M = diag(c) + sign * diag(l) (A + gI) diag(r).
struct AffineForm {
  std::vector<double> c, l, r;
  double sign = 1.0;
  double g = 0.0;
  bool has_identity_part = false;  // c is part of the formula (even where it is 0)
};

// Smaller graphs are normalised on one thread (waking the team costs more).
constexpr int64_t kParallelMinNonZeros = int64_t(1) << 16;

// 1/x, or 0 where x = 0 (the reference code's "inf -> 0").
double inverse_or_zero(double x) { return x != 0 ? 1.0 / x : 0.0; }
double inverse_sqrt_or_zero(double x) { return x > 0 ? 1.0 / std::sqrt(x) : 0.0; }

std::vector<double> row_sums(const CsrMatrix& a) {
  std::vector<double> d(a.rows, 0.0);
#pragma omp parallel for schedule(static) if (a.nnz() >= kParallelMinNonZeros)
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) d[i] += a.values[p];
  return d;
}

AffineForm form_of(Normalization n, const std::vector<double>& deg, double g) {
  const size_t count = deg.size();
  AffineForm f;
  f.c.assign(count, 0.0);
  f.l.assign(count, 1.0);
  f.r.assign(count, 1.0);
  auto sym = [&] {  // D^-1/2 A D^-1/2
    for (size_t i = 0; i < count; ++i) f.l[i] = f.r[i] = inverse_sqrt_or_zero(deg[i]);
  };
  auto walk = [&](double loop) {  // (D + loop I)^-1 (A + loop I)
    f.g = loop;
    for (size_t i = 0; i < count; ++i) f.l[i] = inverse_or_zero(deg[i] + loop);
  };
  auto identity_plus = [&](double c_value, double sign) {
    f.c.assign(count, c_value);
    f.sign = sign;
    f.has_identity_part = true;
  };
  switch (n) {
    case Normalization::AugNormAdj: break;  // handled by aug_norm_adj()
    case Normalization::NormAdj: sym(); break;
    case Normalization::RWalk: walk(0.0); break;
    case Normalization::AugRWalk: walk(g); break;
    case Normalization::FirstOrderGcn: sym(), identity_plus(1.0, 1.0); break;
    case Normalization::LowPass: sym(), identity_plus(0.5, 0.5); break;  // (I + NormAdj) / 2
    case Normalization::NoNorm: break;
    case Normalization::NormLap: sym(), identity_plus(1.0, -1.0); break;
    case Normalization::Lap:
      identity_plus(0.0, -1.0);
      f.c = deg;
      break;
    case Normalization::RWalkLap: walk(0.0), identity_plus(1.0, -1.0); break;
  }
  return f;
}

CsrMatrix build(const CsrMatrix& adj, const AffineForm& f) {
  const int64_t n = adj.rows;
  const bool force_diag = f.has_identity_part || f.g != 0.0;
  std::vector<char> has_diag(n, 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t p = adj.indptr[i]; p < adj.indptr[i + 1]; ++p)
      if (adj.indices[p] == i) has_diag[i] = 1;
  CsrMatrix m;
  m.rows = m.cols = n;
  m.indptr.assign(n + 1, 0);
  for (int64_t i = 0; i < n; ++i)
    m.indptr[i + 1] = m.indptr[i] + (adj.indptr[i + 1] - adj.indptr[i]) + (force_diag && !has_diag[i] ? 1 : 0);
  m.indices.resize(m.indptr[n]);
  m.values.resize(m.indptr[n]);
#pragma omp parallel for schedule(static) if (adj.nnz() >= kParallelMinNonZeros)
  for (int64_t i = 0; i < n; ++i) {
    int64_t out = m.indptr[i];
    auto emit = [&](int32_t j, double a) {
      double v = f.sign * f.l[i] * a * f.r[j];
      if (j == i) v += f.c[i];
      m.indices[out] = j;
      m.values[out] = static_cast<float>(v);
      ++out;
    };
    bool diag_done = !force_diag && !has_diag[i];
    for (int64_t p = adj.indptr[i]; p < adj.indptr[i + 1]; ++p) {
      const int32_t j = adj.indices[p];
      if (!diag_done && j >= i) {  // the diagonal goes in column order
        diag_done = true;
        if (j == i) {
          emit(j, adj.values[p] + f.g);
          continue;
        }
        emit(static_cast<int32_t>(i), f.g);
      }
      emit(j, adj.values[p]);
    }
    if (!diag_done) emit(static_cast<int32_t>(i), f.g);
  }
  return m;
}

}  // namespace

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

const std::vector<std::string>& normalization_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const NormInfo& info : kNorms) v.push_back(info.snake);
    return v;
  }();
  return names;
}

CsrMatrix normalize_adjacency(const CsrMatrix& adj, Normalization n, double g) {
  if (adj.rows != adj.cols) throw ArgumentError("normalize_adjacency: adjacency must be square");
  if (!(g >= 0) || !std::isfinite(g)) throw ArgumentError("--self-loop: must be a non-negative number");
  if (n == Normalization::AugNormAdj) return aug_norm_adj(adj, static_cast<float>(g));
  return build(adj, form_of(n, row_sums(adj), g));
}

}  // namespace sgc

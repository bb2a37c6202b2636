// See normalize.h for the formulas.
#include "sgc/graph/normalize.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sgc/error.h"
#include "sgc/util/budget.h"
#include "sgc/util/host_caches.h"
#include "sgc/util/progress.h"
#include "sgc/util/threads.h"

namespace sgc {

CsrMatrix aug_norm_adj(const CsrMatrix& adj, float g) {
  if (adj.rows != adj.cols) throw ArgumentError("aug_norm_adj: adjacency must be square");
  const int64_t n = adj.rows;
  // Degree of A + gI, accumulated in double so long rows do not lose mass.
  std::vector<double> inv_sqrt_deg(n);
  std::vector<int64_t> has_diag(n, 0);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    double d = g;
    for (int64_t p = adj.indptr[i]; p < adj.indptr[i + 1]; ++p) {
      d += adj.values[p];
      if (adj.indices[p] == i) has_diag[i] = 1;
    }
    inv_sqrt_deg[i] = d > 0 ? 1.0 / std::sqrt(d) : 0.0;
  }
  CsrMatrix s;
  s.rows = s.cols = n;
  s.indptr.assign(n + 1, 0);
  const bool add_diag = g != 0.0f;
  for (int64_t i = 0; i < n; ++i)
    s.indptr[i + 1] = s.indptr[i] + (adj.indptr[i + 1] - adj.indptr[i]) + (add_diag && !has_diag[i] ? 1 : 0);
  s.indices.resize(s.indptr[n]);
  s.values.resize(s.indptr[n]);
  ProgressStage progress("normalize", n, "rows");
  parallel_slices(progress, s.indptr, [&](int64_t lo, int64_t hi) {
#pragma omp parallel for schedule(static)
  for (int64_t i = lo; i < hi; ++i) {
    int64_t out = s.indptr[i];
    bool diag_done = !add_diag;
    auto emit = [&](int32_t j, double a) {
      s.indices[out] = j;
      s.values[out] = static_cast<float>(inv_sqrt_deg[i] * a * inv_sqrt_deg[j]);
      ++out;
    };
    for (int64_t p = adj.indptr[i]; p < adj.indptr[i + 1]; ++p) {
      const int32_t j = adj.indices[p];
      if (!diag_done && j >= i) {  // keep columns sorted: the diagonal goes in order
        if (j == i) {
          emit(j, adj.values[p] + double(g));
          diag_done = true;
          continue;
        }
        emit(static_cast<int32_t>(i), g);
        diag_done = true;
      }
      emit(j, adj.values[p]);
    }
    if (!diag_done) emit(static_cast<int32_t>(i), g);
  }
  });
  return s;
}

AugNormPair aug_norm_adj_with_induced(const CsrMatrix& adj, const std::vector<int32_t>& nodes, float g) {
  if (adj.rows != adj.cols) throw ArgumentError("aug_norm_adj: adjacency must be square");
  const int64_t n = adj.rows, m = int64_t(nodes.size());
  std::vector<int32_t> sub_id(size_t(n), -1);
  for (int64_t r = 0; r < m; ++r) {
    const int32_t v = nodes[size_t(r)];
    if (v < 0 || v >= n) throw ArgumentError("induced_subgraph: node " + std::to_string(v) + " out of range");
    if (r > 0 && v <= nodes[size_t(r) - 1])
      throw ArgumentError("aug_norm_adj_with_induced: nodes must be strictly increasing");
    sub_id[size_t(v)] = int32_t(r);
  }
  // Degrees of A + gI and of A_sub + gI, summed in the column order
  // aug_norm_adj uses (increasing ids keep A's order inside the subgraph).
  std::vector<double> inv_full(static_cast<size_t>(n)), inv_sub(static_cast<size_t>(m));
  std::vector<int64_t> sub_len(static_cast<size_t>(m));
  std::vector<uint8_t> has_diag(size_t(n), 0);
#pragma omp parallel for schedule(dynamic, 1024)
  for (int64_t i = 0; i < n; ++i) {
    const bool in_sub = sub_id[size_t(i)] >= 0;
    double d = g, ds = g;
    int64_t len = 0;
    for (int64_t p = adj.indptr[i]; p < adj.indptr[i + 1]; ++p) {
      d += adj.values[p];
      if (adj.indices[p] == i) has_diag[size_t(i)] = 1;
      if (in_sub && sub_id[size_t(adj.indices[p])] >= 0) ds += adj.values[p], ++len;
    }
    inv_full[size_t(i)] = d > 0 ? 1.0 / std::sqrt(d) : 0.0;
    if (in_sub) {
      inv_sub[size_t(sub_id[size_t(i)])] = ds > 0 ? 1.0 / std::sqrt(ds) : 0.0;
      sub_len[size_t(sub_id[size_t(i)])] = len;
    }
  }
  const bool add_diag = g != 0.0f;
  AugNormPair out;
  CsrMatrix& s = out.full;
  CsrMatrix& t = out.sub;
  s.rows = s.cols = n;
  t.rows = t.cols = m;
  s.indptr.assign(size_t(n) + 1, 0);
  t.indptr.assign(size_t(m) + 1, 0);
  for (int64_t i = 0; i < n; ++i)
    s.indptr[size_t(i) + 1] = s.indptr[size_t(i)] + (adj.indptr[i + 1] - adj.indptr[i]) + (add_diag && !has_diag[size_t(i)]);
  for (int64_t r = 0; r < m; ++r)
    t.indptr[size_t(r) + 1] = t.indptr[size_t(r)] + sub_len[size_t(r)] + (add_diag && !has_diag[size_t(nodes[size_t(r)])]);
  s.indices.resize(size_t(s.indptr[size_t(n)]));
  s.values.resize(size_t(s.indptr[size_t(n)]));
  t.indices.resize(size_t(t.indptr[size_t(m)]));
  t.values.resize(size_t(t.indptr[size_t(m)]));
  // Row i of S and, for a subgraph node, its row of S_sub: aug_norm_adj's
  // emission (the diagonal in column order) on both at once.
  ProgressStage progress("normalize", n, "rows");
  parallel_slices(progress, s.indptr, [&](int64_t lo, int64_t hi) {
#pragma omp parallel for schedule(dynamic, 1024)
    for (int64_t i = lo; i < hi; ++i) {
      const int32_t r = sub_id[size_t(i)];
      int64_t out_s = s.indptr[size_t(i)], out_t = r >= 0 ? t.indptr[size_t(r)] : 0;
      bool diag_s = !add_diag, diag_t = !add_diag || r < 0;
      const double ci = inv_full[size_t(i)], cr = r >= 0 ? inv_sub[size_t(r)] : 0.0;
      auto emit_s = [&](int32_t j, double a) {
        s.indices[size_t(out_s)] = j;
        s.values[size_t(out_s++)] = static_cast<float>(ci * a * inv_full[size_t(j)]);
      };
      auto emit_t = [&](int32_t j, double a) {
        t.indices[size_t(out_t)] = j;
        t.values[size_t(out_t++)] = static_cast<float>(cr * a * inv_sub[size_t(j)]);
      };
      for (int64_t p = adj.indptr[i]; p < adj.indptr[i + 1]; ++p) {
        const int32_t j = adj.indices[p];
        const int32_t jt = r >= 0 ? sub_id[size_t(j)] : -1;
        bool done_s = false, done_t = false;
        if (!diag_s && j >= i) {
          diag_s = true;
          if (j == i) {
            emit_s(j, adj.values[p] + double(g));
            done_s = true;
          } else {
            emit_s(int32_t(i), g);
          }
        }
        if (!done_s) emit_s(j, adj.values[p]);
        if (jt < 0) continue;
        if (!diag_t && jt >= r) {
          diag_t = true;
          if (jt == r) {
            emit_t(jt, adj.values[p] + double(g));
            done_t = true;
          } else {
            emit_t(r, g);
          }
        }
        if (!done_t) emit_t(jt, adj.values[p]);
      }
      if (!diag_s) emit_s(int32_t(i), g);
      if (!diag_t) emit_t(r, g);
    }
  });
  return out;
}

void row_normalize(CsrMatrix& x) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < x.rows; ++i) {
    double sum = 0;
    for (int64_t p = x.indptr[i]; p < x.indptr[i + 1]; ++p) sum += std::abs(x.values[p]);
    if (sum == 0) continue;
    const double inv = 1.0 / sum;
    for (int64_t p = x.indptr[i]; p < x.indptr[i + 1]; ++p) x.values[p] = static_cast<float>(x.values[p] * inv);
  }
}

void row_normalize(DenseMatrix& x) {
#pragma omp parallel for schedule(static)
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const double sum = x.row(i).cast<double>().cwiseAbs().sum();
    if (sum != 0) x.row(i) = (x.row(i).cast<double>() / sum).cast<float>();
  }
}

namespace {

// Count, mean and sum of squared deviations of each column over some rows.
struct ColumnMoments {
  double count = 0;
  std::vector<double> mean, m2;
};

// Appends b's rows to a's (Chan, Golub & LeVeque 1979: the pairwise update,
// stable where summing squares is not).
void merge_moments(ColumnMoments& a, const ColumnMoments& b) {
  if (b.count == 0) return;
  const double total = a.count + b.count, wb = b.count / total, wab = a.count * wb;
  for (size_t j = 0; j < a.mean.size(); ++j) {
    const double delta = b.mean[j] - a.mean[j];
    a.mean[j] += delta * wb;
    a.m2[j] += b.m2[j] + delta * delta * wab;
  }
  a.count = total;
}

// Rows [r0, r1) of x, two passes (the rows are few enough to stay in cache).
void tile_moments(const DenseMatrix& x, Eigen::Index r0, Eigen::Index r1, ColumnMoments& t) {
  const Eigen::Index d = x.cols();
  std::fill(t.mean.begin(), t.mean.end(), 0.0);
  std::fill(t.m2.begin(), t.m2.end(), 0.0);
  double* m = t.mean.data();
  double* q = t.m2.data();
  for (Eigen::Index i = r0; i < r1; ++i) {
    const float* row = x.data() + i * d;
    for (Eigen::Index j = 0; j < d; ++j) m[j] += double(row[j]);
  }
  t.count = double(r1 - r0);
  for (Eigen::Index j = 0; j < d; ++j) m[j] /= t.count;
  for (Eigen::Index i = r0; i < r1; ++i) {
    const float* row = x.data() + i * d;
    for (Eigen::Index j = 0; j < d; ++j) {
      const double v = double(row[j]) - m[j];
      q[j] += v * v;
    }
  }
}

}  // namespace

ZScoreStats zscore_stats(const DenseMatrix& x) {
  const Eigen::Index n = x.rows(), d = x.cols();
  ZScoreStats st;
  st.mean.assign(d, 0.0f);
  st.std.assign(d, 1.0f);
  if (n == 0 || d == 0) return st;
  // Tiles of rows small enough for their second pass to hit the cache (the
  // L2 a core has to itself, as the host reports it; at least 64 KiB); runs
  // of whole tiles (at most 256, and their moments within 64 MiB), each
  // merged tile by tile, then the runs merged in order. Both cuts depend on
  // the shape and the host only, so the statistics are the same bits
  // whatever the thread count; every thread streams whole rows, as
  // row-major storage wants.
  const int64_t tile_bytes = std::max<int64_t>(int64_t(64) << 10, host_caches().l2);
  const Eigen::Index tile = std::max<Eigen::Index>(16, Eigen::Index(tile_bytes / (4 * d)));
  const Eigen::Index tiles = (n + tile - 1) / tile;
  const Eigen::Index by_memory = std::max<Eigen::Index>(1, (Eigen::Index(64) << 20) / (16 * d));
  const Eigen::Index runs = std::min({tiles, Eigen::Index(256), by_memory});
  const Eigen::Index per_run = (tiles + runs - 1) / runs;
  std::vector<ColumnMoments> run(static_cast<size_t>(runs));
#pragma omp parallel for schedule(dynamic, 1)
  for (Eigen::Index r = 0; r < runs; ++r) {
    ColumnMoments& acc = run[size_t(r)];
    acc.mean.assign(size_t(d), 0.0);
    acc.m2.assign(size_t(d), 0.0);
    ColumnMoments t{0, std::vector<double>(size_t(d)), std::vector<double>(size_t(d))};
    for (Eigen::Index k = r * per_run; k < std::min(tiles, (r + 1) * per_run); ++k) {
      tile_moments(x, k * tile, std::min(n, (k + 1) * tile), t);
      merge_moments(acc, t);
    }
  }
  ColumnMoments all{0, std::vector<double>(size_t(d), 0.0), std::vector<double>(size_t(d), 0.0)};
  for (const ColumnMoments& r : run) merge_moments(all, r);
  for (Eigen::Index j = 0; j < d; ++j) {
    st.mean[j] = float(all.mean[size_t(j)]);
    const double sd = n > 1 ? std::sqrt(all.m2[size_t(j)] / double(n - 1)) : 0.0;
    st.std[j] = sd > 0 ? float(sd) : 1.0f;
  }
  return st;
}

void apply_zscore(DenseMatrix& x, const ZScoreStats& st) {
  const Eigen::Index d = x.cols();
  if (Eigen::Index(st.mean.size()) != d || Eigen::Index(st.std.size()) != d)
    throw ArgumentError("z-score: statistics have " + std::to_string(st.mean.size()) + " columns, features have " +
                        std::to_string(d));
#pragma omp parallel for schedule(static)
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < d; ++j) x(i, j) = (x(i, j) - st.mean[j]) / st.std[j];
}

void zscore_columns(DenseMatrix& x) { apply_zscore(x, zscore_stats(x)); }

DenseMatrix to_dense(const CsrMatrix& x) {
  // The one place a sparse feature matrix is densified (z-score, operators
  // that need dense input): checked against the memory budget first.
  const double bytes = double(x.rows) * double(x.cols) * double(sizeof(float));
  require_memory_estimate(bytes,
                 "the dense feature matrix (" + std::to_string(x.rows) + " x " + std::to_string(x.cols) + ")");
  DenseMatrix d = DenseMatrix::Zero(x.rows, x.cols);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < x.rows; ++i)
    for (int64_t p = x.indptr[i]; p < x.indptr[i + 1]; ++p) d(i, x.indices[p]) += x.values[p];
  return d;
}

}  // namespace sgc

#include "sgc/dist/rank_part.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "sgc/data/feature_norm.h"
#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/graph/normalizations.h"

namespace sgc::dist {

PartCutter::PartCutter(const Dataset& d, const Partition& p) : d_(d), p_(p), new_id_(p.new_ids()) {
  const int64_t n = d.num_nodes();
  const CsrMatrix& a = d.adjacency;
  split_.assign(size_t(n), 0);
  for (int32_t i : d.train) split_[size_t(i)] = 1;
  for (int32_t i : d.val) split_[size_t(i)] = 2;
  for (int32_t i : d.test) split_[size_t(i)] = 3;
  deg_.assign(size_t(n), 0.0);
  train_deg_.assign(size_t(n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t e = a.indptr[size_t(i)]; e < a.indptr[size_t(i) + 1]; ++e) {
      deg_[size_t(i)] += a.values[size_t(e)];
      if (split_[size_t(a.indices[size_t(e)])] == 1) train_deg_[size_t(i)] += a.values[size_t(e)];
    }
  train_index_.assign(size_t(n), -1);
  for (int r = 0; r < p.parts(); ++r) {
    int64_t t = 0;
    for (int32_t i : p.owned(r))
      if (split_[size_t(i)] == 1) train_index_[size_t(i)] = t++;
  }
}

int64_t PartCutter::cut() const { return cut_nonzeros(d_.adjacency, p_); }

RankPart PartCutter::part(int r) const {
  const CsrMatrix& a = d_.adjacency;
  const std::vector<int32_t> ids = p_.owned(r);
  RankPart q;
  q.rank = r;
  q.parts = p_.parts();
  q.nodes = d_.num_nodes();
  q.first = p_.bounds[size_t(r)];
  q.rows = p_.size_of(r);
  q.features = d_.num_features();
  q.classes = d_.num_classes;
  const int64_t lo = q.first, hi = q.first + q.rows;
  q.a.rows = q.rows;
  q.a.cols = q.nodes;
  q.a.indptr.assign(1, 0);
  for (int32_t i : ids) {
    for (int64_t e = a.indptr[size_t(i)]; e < a.indptr[size_t(i) + 1]; ++e) {
      const int32_t c = new_id_[size_t(a.indices[size_t(e)])];
      q.a.indices.push_back(c);
      q.a.values.push_back(a.values[size_t(e)]);
      if (c < lo || c >= hi) q.halo.push_back(c);
    }
    q.a.indptr.push_back(int64_t(q.a.indices.size()));
  }
  std::sort(q.halo.begin(), q.halo.end());
  q.halo.erase(std::unique(q.halo.begin(), q.halo.end()), q.halo.end());
  for (int64_t h : q.halo) {
    const int32_t o = p_.original(h);
    q.halo_deg.push_back(deg_[size_t(o)]);
    q.halo_train.push_back(train_index_[size_t(o)]);
    q.halo_train_deg.push_back(train_deg_[size_t(o)]);
  }
  for (int32_t i : ids) {
    q.labels.push_back(d_.labels[size_t(i)]);
    q.split.push_back(split_[size_t(i)]);
  }
  if (d_.has_dense_features())
    q.x.dense = gather_rows(d_.dense_features, ids);
  else
    q.x.sparse = select_rows(d_.features, ids);
  return q;
}

std::string compare_parts(const RankPart& a, const RankPart& b) {
  auto bits = [](const auto& u, const auto& v) {
    return u.size() == v.size() && (u.empty() || std::equal(u.begin(), u.end(), v.begin(), [](auto x, auto y) {
             return std::memcmp(&x, &y, sizeof x) == 0;
           }));
  };
  if (a.rank != b.rank || a.parts != b.parts || a.nodes != b.nodes || a.first != b.first || a.rows != b.rows ||
      a.features != b.features || a.classes != b.classes)
    return "sizes";
  if (a.a.rows != b.a.rows || a.a.cols != b.a.cols || !bits(a.a.indptr, b.a.indptr) || !bits(a.a.indices, b.a.indices))
    return "A's pattern";
  if (!bits(a.a.values, b.a.values)) return "A's values";
  if (!bits(a.halo, b.halo)) return "halo ids";
  if (!bits(a.halo_deg, b.halo_deg) || !bits(a.halo_train_deg, b.halo_train_deg)) return "halo degrees";
  if (!bits(a.halo_train, b.halo_train)) return "halo training indices";
  if (!bits(a.labels, b.labels)) return "labels";
  if (!bits(a.split, b.split)) return "split";
  if (a.x.is_dense() != b.x.is_dense()) return "feature storage";
  auto dense_bits = [](const DenseMatrix& u, const DenseMatrix& v) {
    return u.rows() == v.rows() && u.cols() == v.cols() &&
           (u.size() == 0 || std::memcmp(u.data(), v.data(), size_t(u.size()) * sizeof(float)) == 0);
  };
  if (!dense_bits(a.x.dense, b.x.dense)) return "features";
  if (!bits(a.x.sparse.indptr, b.x.sparse.indptr) || !bits(a.x.sparse.indices, b.x.sparse.indices) ||
      !bits(a.x.sparse.values, b.x.sparse.values))
    return "features";
  return "";
}

namespace {

// Rows of S from a square matrix over [own rows | halo rows] (halo rows: one
// diagonal entry, the node's degree, which is all a normalisation reads of
// them): the own rows, columns back in the partition numbering.
CsrMatrix normalized_rows(CsrMatrix square, int64_t own, const std::vector<int64_t>& global_of_local,
                          const Config& c, int64_t nodes) {
  // Rows sorted by column (the normalisations keep and expect sorted rows).
  for (int64_t i = 0; i < own; ++i) {
    const int64_t b = square.indptr[size_t(i)], e = square.indptr[size_t(i) + 1];
    std::vector<std::pair<int32_t, float>> row;
    for (int64_t p = b; p < e; ++p) row.push_back({square.indices[size_t(p)], square.values[size_t(p)]});
    std::sort(row.begin(), row.end());
    for (int64_t p = b; p < e; ++p) {
      square.indices[size_t(p)] = row[size_t(p - b)].first;
      square.values[size_t(p)] = row[size_t(p - b)].second;
    }
  }
  const CsrMatrix s = normalized_operator(square, c.op);
  CsrMatrix out;
  out.rows = own;
  out.cols = nodes;
  for (int64_t i = 0; i < own; ++i) {
    for (int64_t p = s.indptr[size_t(i)]; p < s.indptr[size_t(i) + 1]; ++p) {
      out.indices.push_back(int32_t(global_of_local[size_t(s.indices[size_t(p)])]));
      out.values.push_back(s.values[size_t(p)]);
    }
    out.indptr.push_back(int64_t(out.indices.size()));
  }
  return out;
}

void zscore_distributed(const Comm& comm, DenseMatrix& x, int64_t total) {
  const Eigen::Index d = x.cols();
  std::vector<double> sum(size_t(d), 0.0), sq(size_t(d), 0.0);
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < d; ++j) sum[size_t(j)] += x(i, j);
  comm.sum_in_rank_order(sum);
  for (double& m : sum) m /= double(std::max<int64_t>(1, total));
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < d; ++j) sq[size_t(j)] += (x(i, j) - sum[size_t(j)]) * (x(i, j) - sum[size_t(j)]);
  comm.sum_in_rank_order(sq);
  ZScoreStats st;
  for (Eigen::Index j = 0; j < d; ++j) {
    st.mean.push_back(float(sum[size_t(j)]));
    const double sd = total > 1 ? std::sqrt(sq[size_t(j)] / double(total - 1)) : 0.0;
    st.std.push_back(sd > 0 ? float(sd) : 1.0f);
  }
  apply_zscore(x, st);
}

}  // namespace

LocalData local_data(const Comm& comm, RankPart part, const Config& c, const std::string& name, int64_t cut,
                     const std::string& what) {
  const int me = comm.rank();
  const int64_t lo = part.first, rows = part.rows, halo_n = int64_t(part.halo.size());
  const CsrMatrix& a = part.a;
  const std::vector<int64_t>& halo = part.halo;
  const std::vector<double>& halo_deg = part.halo_deg;
  const std::vector<int64_t>& halo_train = part.halo_train;
  const std::vector<double>& halo_train_deg = part.halo_train_deg;
  const std::vector<int32_t>& labels = part.labels;
  const std::vector<uint8_t>& split = part.split;
  {
    std::string err;  // a NaN weight would reach propagation and be reported as an overflow
    try {
      require_non_negative_weights(a);
    } catch (const Error& e) {
      err = what + ": " + e.what();
    }
    agree_or_throw(comm, err);
  }
  LocalData L;
  L.x = std::move(part.x);
  L.labels = part.labels;
  for (int64_t i = 0; i < part.rows; ++i) L.ids.push_back(part.first + i);  // partition numbering
  L.name = name;
  L.classes = part.classes;
  L.dim = part.features;
  L.nodes = part.nodes;
  L.cut = cut;
  // Every rank's rows: the bounds.
  std::vector<int64_t> counts(size_t(comm.size()), 0);
  counts[size_t(me)] = rows;
  comm.sum(counts);
  L.graph.bounds.assign(1, 0);
  for (int64_t k : counts) L.graph.bounds.push_back(L.graph.bounds.back() + k);
  if (L.graph.bounds[size_t(me)] != lo || L.graph.bounds.back() != part.nodes)
    abort_job(comm, what + ": its rows do not line up with the other parts");

  // Features, normalised over every rank's rows.
  const int64_t total = part.nodes;
  if (c.feature_norm == FeatureNorm::Row) {
    if (L.x.is_dense()) row_normalize(L.x.dense); else row_normalize(L.x.sparse);
  } else if (c.feature_norm == FeatureNorm::ZScore) {
    if (!L.x.is_dense()) {
      L.x.dense = to_dense(L.x.sparse);
      L.x.sparse = CsrMatrix{};
    }
    zscore_distributed(comm, L.x.dense, total);
  }

  // S's rows: the square matrix over [own | halo], halo rows carrying their degree.
  auto square_of = [&](int64_t own, const std::vector<double>& hdeg) {
    CsrMatrix sq;
    sq.rows = sq.cols = own + int64_t(hdeg.size());
    return sq;
  };
  const int64_t hi = lo + rows;
  std::vector<int64_t> global_of_local(size_t(rows + halo_n));
  for (int64_t i = 0; i < rows; ++i) global_of_local[size_t(i)] = lo + i;
  for (int64_t h = 0; h < halo_n; ++h) global_of_local[size_t(rows + h)] = halo[size_t(h)];
  auto halo_pos = [&](int64_t col) {
    return int64_t(std::lower_bound(halo.begin(), halo.end(), col) - halo.begin());
  };
  {
    CsrMatrix sq = square_of(rows, halo_deg);
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t p = a.indptr[size_t(i)]; p < a.indptr[size_t(i) + 1]; ++p) {
        const int64_t col = a.indices[size_t(p)];
        sq.indices.push_back(int32_t(col >= lo && col < hi ? col - lo : rows + halo_pos(col)));
        sq.values.push_back(a.values[size_t(p)]);
      }
      sq.indptr.push_back(int64_t(sq.indices.size()));
    }
    for (int64_t h = 0; h < halo_n; ++h) {
      sq.indices.push_back(int32_t(rows + h));
      sq.values.push_back(float(halo_deg[size_t(h)]));
      sq.indptr.push_back(int64_t(sq.indices.size()));
    }
    L.graph.s_rows = normalized_rows(std::move(sq), rows, global_of_local, c, part.nodes);
  }
  std::vector<int32_t> train_rows;
  for (int64_t i = 0; i < rows; ++i) {
    const uint8_t s = split[size_t(i)];
    if (s == 1) train_rows.push_back(int32_t(i));
    if (s == 2) { L.val.push_back(int32_t(i)); L.val_y.push_back(labels[size_t(i)]); }
    if (s == 3) { L.test.push_back(int32_t(i)); L.test_y.push_back(labels[size_t(i)]); }
  }
  for (int32_t i : train_rows) L.train_y.push_back(labels[size_t(i)]);
  if (c.protocol == Protocol::Transductive) {
    L.train = train_rows;
    return L;
  }
  // Inductive: the graph induced on the training nodes, numbered rank by rank.
  std::vector<int64_t> tcounts(size_t(comm.size()), 0);
  tcounts[size_t(me)] = int64_t(train_rows.size());
  comm.sum(tcounts);
  std::vector<int64_t> tb{0};
  for (int64_t k : tcounts) tb.push_back(tb.back() + k);
  std::vector<int64_t> tindex(size_t(rows), -1);
  for (size_t t = 0; t < train_rows.size(); ++t) tindex[size_t(train_rows[t])] = int64_t(t);
  const int64_t own_t = int64_t(train_rows.size());
  std::vector<int64_t> halo_t;  // halo entries that are training nodes
  std::vector<double> halo_t_deg;
  std::vector<int64_t> t_global;
  for (int64_t t = 0; t < own_t; ++t) t_global.push_back(tb[size_t(me)] + t);
  std::vector<int64_t> halo_t_slot(size_t(halo_n), -1);
  for (int64_t h = 0; h < halo_n; ++h)
    if (halo_train[size_t(h)] >= 0) {
      const int owner = int(std::upper_bound(L.graph.bounds.begin(), L.graph.bounds.end() - 1, halo[size_t(h)]) -
                            L.graph.bounds.begin()) - 1;
      if (halo_train[size_t(h)] >= tcounts[size_t(owner)]) abort_job(comm, what + ": halo training index out of range");
      halo_t_slot[size_t(h)] = int64_t(halo_t.size());
      halo_t.push_back(h);
      halo_t_deg.push_back(halo_train_deg[size_t(h)]);
      t_global.push_back(tb[size_t(owner)] + halo_train[size_t(h)]);
    }
  CsrMatrix sq = square_of(own_t, halo_t_deg);
  for (int32_t i : train_rows) {
    for (int64_t p = a.indptr[size_t(i)]; p < a.indptr[size_t(i) + 1]; ++p) {
      const int64_t col = a.indices[size_t(p)];
      int64_t local = -1;
      if (col >= lo && col < hi) {
        local = tindex[size_t(col - lo)];
      } else {
        const int64_t slot = halo_t_slot[size_t(halo_pos(col))];
        if (slot >= 0) local = own_t + slot;
      }
      if (local < 0) continue;  // not a training node
      sq.indices.push_back(int32_t(local));
      sq.values.push_back(a.values[size_t(p)]);
    }
    sq.indptr.push_back(int64_t(sq.indices.size()));
  }
  for (size_t h = 0; h < halo_t.size(); ++h) {
    sq.indices.push_back(int32_t(own_t + int64_t(h)));
    sq.values.push_back(float(halo_t_deg[h]));
    sq.indptr.push_back(int64_t(sq.indices.size()));
  }
  L.train_graph = LocalGraph{tb, normalized_rows(std::move(sq), own_t, t_global, c, tb.back())};
  if (L.x.is_dense())
    L.train_x.dense = gather_rows(L.x.dense, train_rows);
  else
    L.train_x.sparse = select_rows(L.x.sparse, train_rows);
  L.train.resize(size_t(own_t));
  std::iota(L.train.begin(), L.train.end(), 0);
  return L;
}

}  // namespace sgc::dist

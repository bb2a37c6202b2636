// Every operator of the registry, run on P ranks through the halo-exchange
// product, gives the single-process features (1e-6 relative), for the
// contiguous and the METIS partition, all rows or a subset, dense or sparse
// input.
#include <gtest/gtest.h>

#include "dist_util.h"
#include "sgc/data/feature_norm.h"
#include "sgc/dist/dist_job.h"
#include "sgc/io/planetoid.h"
#include "sgc/ops/operator.h"

namespace sgc {
namespace {

OperatorSpec spec_of(const char* name) {
  OperatorSpec s;
  s.def = &find_operator(name);
  const std::string n = name;
  if (n == "dgc") s.k = 10, s.t = 2.5;
  if (n == "dgc_naive") s.k = 5, s.t = 2.0;
  if (n == "heat") s.t = 2.0;
  if (n == "ssgc") s.k = 4, s.alpha = 0.1;
  if (n == "ppr") s.alpha = 0.4;
  if (n == "sign") s.k = 2;
  if (n == "poly") s.coeffs = {0.2, 0.3, 0.5};
  return s;
}

struct Case {
  dist::PartitionMethod method;
  bool sparse;
};

class DistPropagate : public ::testing::TestWithParam<Case> {};

TEST_P(DistPropagate, EveryOperatorMatchesOneProcess) {
  const dist::Comm comm;
  Dataset d = load_planetoid(testing::planetoid_dir(), "cora");
  normalize_features(d, FeatureNorm::Row);
  // A slice of the features keeps the test cheap (sparse: the columns below 64, kept sparse).
  if (!GetParam().sparse) {
    d.dense_features = to_dense(d.features).leftCols(40);
    d.features = CsrMatrix{};
  } else {
    std::vector<Triplet> t;
    for (int64_t i = 0; i < d.features.rows; ++i)
      for (int64_t e = d.features.indptr[size_t(i)]; e < d.features.indptr[size_t(i) + 1]; ++e)
        if (d.features.indices[size_t(e)] < 64)
          t.push_back({int32_t(i), d.features.indices[size_t(e)], d.features.values[size_t(e)]});
    d.features = csr_from_triplets(d.features.rows, 64, std::move(t), false);
  }
  Config c;
  c.feature_norm = FeatureNorm::None;
  for (const OperatorDef* op : operators()) {
    c.op = spec_of(std::string(op->name).c_str());
    const CsrMatrix s = normalized_operator(d.adjacency, c.op);
    const DenseMatrix want = d.has_dense_features() ? apply_operator(s, DenseMatrix(d.dense_features), c.op)
                                                    : apply_operator(s, d.features, c.op);
    const dist::LocalData local = dist::distribute(comm, d, c, GetParam().method);
    // The original id of each local row.
    const dist::Partition part = dist::make_partition(GetParam().method, d.adjacency, comm.size());
    const std::vector<int32_t> ids = part.owned(comm.rank());
    const DenseMatrix all = dist::propagate_local(comm, local, c.op, nullptr);
    const testing::Diff diff = testing::max_diff(comm, all, want, ids);
    EXPECT_LE(diff.relative(), 1e-6) << op->name << ": all rows, max abs diff " << diff.abs;
    // Every third local row, backwards (the restricted last hop).
    std::vector<int32_t> rows, sub_ids;
    for (int64_t r = int64_t(ids.size()) - 1; r >= 0; r -= 3) {
      rows.push_back(int32_t(r));
      sub_ids.push_back(ids[size_t(r)]);
    }
    const DenseMatrix some = dist::propagate_local(comm, local, c.op, &rows);
    const testing::Diff sub = testing::max_diff(comm, some, want, sub_ids);
    EXPECT_LE(sub.relative(), 1e-6) << op->name << ": a subset of rows, max abs diff " << sub.abs;
  }
}

TEST(DistPropagate, PartitionsCoverEveryNodeOnce) {
  const dist::Comm comm;
  const Dataset d = load_planetoid(testing::planetoid_dir(), "citeseer");
  for (auto m : {dist::PartitionMethod::Contiguous, dist::PartitionMethod::Metis}) {
    const dist::Partition p = dist::make_partition(m, d.adjacency, comm.size());
    ASSERT_EQ(p.parts(), comm.size());
    std::vector<int> seen(size_t(d.num_nodes()), 0);
    for (int r = 0; r < p.parts(); ++r)
      for (int32_t id : p.owned(r)) ++seen[size_t(id)];
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), d.num_nodes()) << dist::to_string(m);
    if (comm.size() > 1 && m == dist::PartitionMethod::Metis)  // METIS cuts fewer edges on a citation graph
      EXPECT_LT(dist::cut_nonzeros(d.adjacency, p),
                dist::cut_nonzeros(d.adjacency, dist::contiguous_partition(d.adjacency, comm.size())));
  }
}

INSTANTIATE_TEST_SUITE_P(Cora, DistPropagate,
                         ::testing::Values(Case{dist::PartitionMethod::Contiguous, false},
                                           Case{dist::PartitionMethod::Metis, false},
                                           Case{dist::PartitionMethod::Contiguous, true}),
                         [](const auto& info) {
                           return dist::to_string(info.param.method) + (info.param.sparse ? "_sparse" : "_dense");
                         });

}  // namespace
}  // namespace sgc

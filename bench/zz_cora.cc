#include <cstdio>
#include <algorithm>
#include "sgc/io/planetoid.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/propagate_stored.h"
#include "sgc/ops/spmm.h"
#include "sgc/util/timer.h"
using namespace sgc;
template <class F> double med(F f) { std::vector<double> t; for (int r = 0; r < 21; ++r) { Timer tm; f(); t.push_back(tm.seconds()); } std::sort(t.begin(), t.end()); return t[10]*1e3; }
int main(int argc, char** argv) {
  Dataset d = load_planetoid("/work/shared/data/planetoid", argc > 1 ? argv[1] : "cora");
  OperatorSpec spec; spec.def = &default_operator(); spec.k = 2;
  CsrMatrix s = normalized_operator(d.adjacency, spec);
  std::vector<int32_t> rows(d.train); rows.insert(rows.end(), d.val.begin(), d.val.end()); rows.insert(rows.end(), d.test.begin(), d.test.end());
  std::printf("n %ld d %ld nnzX %ld nnzS %ld rows %zu\n", (long)d.num_nodes(), (long)d.num_features(), (long)d.features.nnz(), (long)s.nnz(), rows.size());
  double t1 = med([&] { auto o = run_operator(s, FeatureInput(d.features), spec, &rows); });
  double t2 = med([&] { auto z = sparse_times_sparse(s, d.features); });
  CsrMatrix z = sparse_times_sparse(s, d.features);
  std::printf("S X nnz %ld (density %.3f)\n", (long)z.nnz(), double(z.nnz()) / double(z.rows * z.cols));
  DenseMatrix y;
  double t3 = med([&] { spmm(s, d.features, y); });
  DenseMatrix xd = y;
  DenseMatrix y2;
  double t4 = med([&] { spmm_rows(s, view_of(xd), rows, y2); });
  std::printf("run_operator %.3f  sxs %.3f  spmm_sparse(full dense out) %.3f  rows hop dense %.3f ms\n", t1, t2, t3, t4);
}

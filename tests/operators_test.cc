// The operators of the SGC family against independent dense double-precision
// references on small random graphs: each formula of sgc/ops/*.h evaluated
// directly (matrix powers, an eigendecomposition for the heat kernel, a linear
// solve for PPR), plus the properties the implementation promises (rows,
// sparse input, thread-count independence, product counts, errors).
#include <gtest/gtest.h>

#include <cmath>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/dgc.h"
#include "sgc/ops/operator.h"
#include "sgc/util/threads.h"
#include "test_util.h"

namespace sgc {
namespace {

using testing::awkward_graph;
using testing::dense_of;
using testing::max_rel_error;

// The references here are tiny; one thread keeps them fast on a busy
// machine (the operators are bitwise identical for any thread count, which
// BitwiseIdenticalForAnyThreadCount checks on a larger graph).
struct OneThread {
  const int before = num_threads();
  OneThread() { set_num_threads(1); }
  ~OneThread() { set_num_threads(before); }
};

struct Fixture {
  CsrMatrix s;
  DenseMatrixD sd;  // S, dense
  DenseMatrix x;
};

Fixture make_fixture(uint64_t seed, int n = 70, int d = 9) {
  Fixture f;
  f.s = aug_norm_adj(awkward_graph(n, 2 * n, 5, seed));
  f.sd = dense_of(f.s);
  f.x = testing::random_dense(n, d, seed + 100);
  return f;
}

OperatorSpec spec_of(const std::string& op, int k, double t = 5.0, double alpha = 0.1, double tol = 1e-6) {
  return testing::operator_spec(op, k, t, alpha, tol);
}

// "sgc K=3", for messages.
std::string label(const OperatorSpec& spec) { return operator_summary(spec); }

DenseMatrixD power_times(const DenseMatrixD& m, int k, DenseMatrixD x) {
  for (int i = 0; i < k; ++i) x = m * x;
  return x;
}

// ((1 - T/K) I + (T/K) S)^K X, step by step.
DenseMatrixD naive_dgc(const Fixture& f, int k, double t) {
  const auto n = f.sd.rows();
  const DenseMatrixD step = (1 - t / k) * DenseMatrixD::Identity(n, n) + (t / k) * f.sd;
  return power_times(step, k, f.x.cast<double>());
}

// exp(-T (I - S)) X through the eigendecomposition of the symmetric S.
DenseMatrixD heat_reference(const Fixture& f, double t) {
  Eigen::SelfAdjointEigenSolver<DenseMatrixD> eig(f.sd);
  const Eigen::VectorXd filter = (-t * (1.0 - eig.eigenvalues().array())).exp();
  return eig.eigenvectors() * filter.asDiagonal() * eig.eigenvectors().transpose() * f.x.cast<double>();
}

TEST(Operators, DgcNaiveIsTheEulerScheme) {
  const OneThread one_thread;
  const Fixture f = make_fixture(1);
  for (auto [k, t] : {std::pair{1, 0.5}, {3, 2.0}, {10, 5.27}, {4, 6.0}}) {  // the last has T > K
    EXPECT_LT(max_rel_error(apply_operator(f.s, f.x, spec_of("dgc_naive", k, t)), naive_dgc(f, k, t)), 1e-5)
        << "K=" << k << " T=" << t;
  }
}

TEST(Operators, DgcSeriesEqualsTheKStepsWithFewerProducts) {
  const OneThread one_thread;
  const Fixture f = make_fixture(2);
  for (auto [k, t] : {std::pair{1, 1.0}, {5, 5.0}, {8, 3.0}, {250, 5.27}, {900, 6.0498}, {3, 4.0}}) {
    const OperatorResult r = run_operator(f.s, f.x, spec_of("dgc", k, t));
    EXPECT_LT(max_rel_error(r.features, naive_dgc(f, k, t)), 1e-5) << "K=" << k << " T=" << t;
    EXPECT_EQ(r.sparse_products, planned_sparse_products(spec_of("dgc", k, t)));
    EXPECT_LE(r.sparse_products, k);
    if (k >= 250) EXPECT_LT(r.sparse_products, k / 10) << "K=" << k;
  }
}

TEST(Operators, DgcSeriesWeightsAreTheBinomialDistribution) {
  const int k = 12;
  const double t = 3.0, p = t / k;
  const std::vector<double> w = dgc_series_weights(k, t, 1e-12);
  ASSERT_EQ(w.size(), size_t(k) + 1);  // tol 1e-12 keeps every term at this K
  double choose = 1, total = 0;
  for (int j = 0; j <= k; ++j) {
    EXPECT_NEAR(w[j], choose * std::pow(p, j) * std::pow(1 - p, k - j), 1e-14) << j;
    choose = choose * (k - j) / (j + 1);
    total += w[j];
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  // A looser tolerance stops earlier, and the dropped weight is below it.
  const std::vector<double> head = dgc_series_weights(1000, 5.0, 1e-4);
  double kept = 0;
  for (double v : head) kept += v;
  EXPECT_LT(1 - kept, 1e-4);
  EXPECT_LT(head.size(), 25u);
}

TEST(Operators, HeatKernelMatchesTheMatrixExponential) {
  const OneThread one_thread;
  const Fixture f = make_fixture(3);
  for (double t : {0.3, 2.0, 8.0}) {
    const OperatorResult r = run_operator(f.s, f.x, spec_of("heat", 2, t, 0.1, 1e-9));
    EXPECT_LT(max_rel_error(r.features, heat_reference(f, t)), 1e-5) << "T=" << t;
    EXPECT_EQ(r.sparse_products, planned_sparse_products(spec_of("heat", 2, t, 0.1, 1e-9)));
  }
}

TEST(Operators, DgcApproachesTheHeatKernelAsKGrows) {
  const OneThread one_thread;
  const Fixture f = make_fixture(4);
  const DenseMatrixD heat = heat_reference(f, 4.0);
  double previous = 1e9;
  for (int k : {8, 64, 512}) {
    const double err = max_rel_error(apply_operator(f.s, f.x, spec_of("dgc", k, 4.0, 0.1, 1e-9)), heat);
    EXPECT_LT(err, previous / 4) << "K=" << k;  // first-order scheme: error ~ 1/K
    previous = err;
  }
}

TEST(Operators, SsgcIsTheMixedAverageOfHops) {
  const OneThread one_thread;
  const Fixture f = make_fixture(5);
  for (auto [k, alpha] : {std::pair{1, 0.05}, {4, 0.3}, {16, 0.05}, {3, 1.0}}) {
    DenseMatrixD want = alpha * f.x.cast<double>();
    for (int h = 1; h <= k; ++h) want += (1 - alpha) / k * power_times(f.sd, h, f.x.cast<double>());
    const OperatorResult r = run_operator(f.s, f.x, spec_of("ssgc", k, 5, alpha));
    EXPECT_LT(max_rel_error(r.features, want), 1e-5) << "K=" << k << " alpha=" << alpha;
    EXPECT_EQ(r.sparse_products, k);
  }
}

TEST(Operators, PprSolvesThePageRankSystem) {
  const OneThread one_thread;
  const Fixture f = make_fixture(6);
  const auto n = f.sd.rows();
  for (double alpha : {0.1, 0.5, 1.0}) {
    const DenseMatrixD system = DenseMatrixD::Identity(n, n) - (1 - alpha) * f.sd;
    const DenseMatrixD want = alpha * system.partialPivLu().solve(f.x.cast<double>());
    const OperatorResult r = run_operator(f.s, f.x, spec_of("ppr", 2, 5, alpha, 1e-8));
    EXPECT_LT(max_rel_error(r.features, want), 1e-5) << "alpha=" << alpha;
    // (1 - alpha)^(J + 1) < tol with the fewest terms.
    const int64_t j = r.sparse_products;
    EXPECT_LT(std::pow(1 - alpha, j + 1), 1e-8);
    if (j > 0) EXPECT_GE(std::pow(1 - alpha, j), 1e-8);
  }
}

TEST(Operators, SignConcatenatesTheHops) {
  const OneThread one_thread;
  const Fixture f = make_fixture(7);
  const int k = 3;
  const DenseMatrix got = apply_operator(f.s, f.x, spec_of("sign", k));
  ASSERT_EQ(got.cols(), (k + 1) * f.x.cols());
  for (int h = 0; h <= k; ++h)
    EXPECT_LT(max_rel_error(DenseMatrix(got.middleCols(h * f.x.cols(), f.x.cols())),
                            power_times(f.sd, h, f.x.cast<double>())),
              1e-5)
        << "hop " << h;
}

OperatorSpec poly_spec(std::vector<double> coeffs) {
  OperatorSpec spec;
  spec.def = &find_operator("poly");
  spec.coeffs = std::move(coeffs);
  return spec;
}

// A spec of every operator of the registry (an operator added to the
// registry is covered with default parameters), two for dgc (T < K, T > K).
const std::vector<OperatorSpec>& every_operator() {
  static const std::vector<OperatorSpec> specs = [] {
    std::vector<OperatorSpec> v{spec_of("sgc", 3),        spec_of("dgc", 40, 4.0),
                                spec_of("dgc", 3, 5.0),   spec_of("dgc_naive", 12, 3.0),
                                spec_of("heat", 2, 3.0),  spec_of("ssgc", 5, 5, 0.2),
                                spec_of("ppr", 2, 5, 0.3), spec_of("sign", 2),
                                poly_spec({0.3, -0.5, 0.25, 0.125})};
    for (const OperatorDef* d : operators()) {
      bool covered = false;
      for (const OperatorSpec& s : v) covered = covered || s.def == d;
      if (!covered) {
        OperatorSpec s;
        s.def = d;
        s.k = std::max(3, d->min_k);
        v.push_back(s);
      }
    }
    return v;
  }();
  return specs;
}

TEST(Operators, EveryOperatorIsCovered) {
  for (const OperatorDef* d : operators()) {
    int n = 0;
    for (const OperatorSpec& s : every_operator()) n += s.def == d;
    EXPECT_GE(n, 1) << d->name;
  }
  for (const OperatorSpec& s : every_operator()) EXPECT_NO_THROW(validate_operator(s)) << label(s);
}

// poly is sum_k c_k S^k X.
TEST(Operators, PolyIsTheGivenPolynomial) {
  const OneThread one_thread;
  const Fixture f = make_fixture(12);
  const std::vector<double> c{0.3, -0.5, 0.25, 0.125};
  DenseMatrixD want = DenseMatrixD::Zero(f.x.rows(), f.x.cols());
  for (size_t h = 0; h < c.size(); ++h) want += c[h] * power_times(f.sd, int(h), f.x.cast<double>());
  const OperatorResult r = run_operator(f.s, f.x, poly_spec(c));
  // Mixed-sign coefficients: entries may cancel, so the error is measured against the scale.
  EXPECT_LT(testing::max_error_vs_scale(r.features, want), 1e-6);
  EXPECT_EQ(r.sparse_products, 3);
  // One coefficient: c_0 X, no products.
  const OperatorResult scaled = run_operator(f.s, f.x, poly_spec({2.0}));
  EXPECT_LT(max_rel_error(scaled.features, 2.0 * f.x.cast<double>()), 1e-6);
  EXPECT_EQ(scaled.sparse_products, 0);
}

TEST(Operators, RowsAreTheSameRowsOfTheFullResult) {
  const OneThread one_thread;
  const Fixture f = make_fixture(8);
  const std::vector<int32_t> rows{5, 0, 69, 33, 5, 12};
  for (const OperatorSpec& spec : every_operator()) {
    const DenseMatrix full = apply_operator(f.s, f.x, spec);
    const DenseMatrix some = apply_operator(f.s, f.x, spec, &rows);
    EXPECT_TRUE((some.array() == gather_rows(full, rows).array()).all()) << label(spec);
  }
  const std::vector<int32_t> out_of_range{70};
  EXPECT_THROW(apply_operator(f.s, f.x, spec_of("ssgc", 2), &out_of_range), ArgumentError);
}

TEST(Operators, SparseAndDenseFeaturesAgree) {
  const OneThread one_thread;
  const Fixture f = make_fixture(9);
  DenseMatrix xs = f.x;
  std::vector<Triplet> t;
  for (int i = 0; i < xs.rows(); ++i)
    for (int j = 0; j < xs.cols(); ++j) {
      if ((i * 7 + j * 3) % 4 != 0) xs(i, j) = 0;
      if (xs(i, j) != 0) t.push_back({i, j, xs(i, j)});
    }
  const CsrMatrix sparse = csr_from_triplets(xs.rows(), xs.cols(), t, false);
  const std::vector<int32_t> rows{1, 2, 60};
  for (const OperatorSpec& spec : every_operator()) {
    const OperatorResult a = run_operator(f.s, sparse, spec), b = run_operator(f.s, xs, spec);
    EXPECT_LT(max_rel_error(a.features, b.features.cast<double>()), 1e-6) << label(spec);
    EXPECT_EQ(a.sparse_products, b.sparse_products) << label(spec);
    EXPECT_LT(max_rel_error(apply_operator(f.s, sparse, spec, &rows), gather_rows(b.features, rows).cast<double>()),
              1e-6)
        << label(spec) << " rows";
  }
}

TEST(Operators, BitwiseIdenticalForAnyThreadCount) {
  const CsrMatrix s = aug_norm_adj(awkward_graph(600, 4000, 10, 11));
  const DenseMatrix x = testing::random_dense(600, 17, 12);
  const int threads_before = num_threads();
  for (const OperatorSpec& spec : every_operator()) {
    set_num_threads(1);
    const DenseMatrix one = apply_operator(s, x, spec);
    set_num_threads(3);
    const DenseMatrix three = apply_operator(s, x, spec);
    EXPECT_TRUE((one.array() == three.array()).all()) << label(spec);
  }
  set_num_threads(threads_before);
}

TEST(Operators, ProductCountsAsPlanned) {
  const OneThread one_thread;
  const Fixture f = make_fixture(10);
  for (const OperatorSpec& spec : every_operator())
    EXPECT_EQ(run_operator(f.s, f.x, spec).sparse_products, planned_sparse_products(spec)) << label(spec);
  EXPECT_EQ(planned_sparse_products(spec_of("dgc", 3, 5.0)), 3);  // T > K: the Euler steps
  EXPECT_EQ(planned_sparse_products(spec_of("ppr", 2, 5, 1.0)), 0);
}

// Every bad parameter is an ArgumentError whose message names the flag.
void expect_flag_error(const OperatorSpec& spec, const std::string& flag) {
  try {
    validate_operator(spec);
    ADD_FAILURE() << "accepted " << flag << " for op " << label(spec);
  } catch (const ArgumentError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(flag + ":", 0), 0u) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(Operators, ParametersOutsideTheirDomainAreErrors) {
  const OneThread one_thread;
  // An unknown operator name is refused where it is looked up, naming --op.
  try {
    find_operator("heat_kernel");
    ADD_FAILURE() << "found heat_kernel";
  } catch (const ArgumentError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--op:", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("heat"), std::string::npos) << "lists the known operators: " << e.what();
  }
  OperatorSpec no_op;
  no_op.def = nullptr;
  expect_flag_error(no_op, "--op");
  expect_flag_error(spec_of("sgc", -1), "--k");
  expect_flag_error(spec_of("dgc", 0), "--k");
  expect_flag_error(spec_of("dgc_naive", 0), "--k");
  expect_flag_error(spec_of("ssgc", 0), "--k");
  for (double t : {0.0, -1.0, std::nan(""), double(INFINITY)}) expect_flag_error(spec_of("dgc", 10, t), "--t");
  for (double alpha : {0.0, -0.1, 1.5, std::nan("")}) {
    expect_flag_error(spec_of("ssgc", 4, 5, alpha), "--alpha");
    expect_flag_error(spec_of("ppr", 4, 5, alpha), "--alpha");
  }
  for (double tol : {0.0, 1.0, -1e-3}) expect_flag_error(spec_of("heat", 2, 5, 0.1, tol), "--tol");
  // An unknown normalisation cannot be put in a spec; its name is refused when parsed.
  try {
    parse_normalization("sym");
    ADD_FAILURE() << "parsed norm 'sym'";
  } catch (const ArgumentError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--norm:", 0), 0u) << e.what();
  }
  EXPECT_THROW(operator_from_json({{"op", "sgc"}, {"norm", "sym"}}), ArgumentError);
  expect_flag_error(poly_spec({}), "--coeffs");
  expect_flag_error(poly_spec({0, 0}), "--coeffs");
  expect_flag_error(poly_spec({1, std::nan("")}), "--coeffs");
  OperatorSpec bad_loop = spec_of("sgc", 2);
  bad_loop.self_loop = -1;
  expect_flag_error(bad_loop, "--self-loop");
  // The boundary values are allowed.
  EXPECT_NO_THROW(validate_operator(spec_of("ppr", 0, 1e-9, 1.0)));
  EXPECT_NO_THROW(validate_operator(spec_of("sign", 0)));
  const Fixture f = make_fixture(11);
  EXPECT_THROW(apply_operator(f.s, f.x, spec_of("dgc", 10, -2.0)), ArgumentError);
  EXPECT_THROW(planned_sparse_products(spec_of("ppr", 2, 5, 1e-9)), ArgumentError);  // ~1e10 products
  EXPECT_THROW(planned_sparse_products(spec_of("heat", 2, 1e7)), ArgumentError);
  OperatorSpec bad_loop_aug = spec_of("sgc", 2);
  bad_loop_aug.self_loop = -1;
  EXPECT_THROW(normalized_operator(awkward_graph(5, 5, 0, 1), bad_loop_aug), ArgumentError);
}

TEST(Operators, NormalisationIsPartOfTheSpec) {
  const OneThread one_thread;
  const CsrMatrix a = awkward_graph(30, 60, 2, 13);
  OperatorSpec spec = spec_of("sgc", 1);
  spec.norm = parse_normalization("RWalk");
  EXPECT_EQ(spec.norm, Normalization::RWalk);
  const DenseMatrixD s = dense_of(normalized_operator(a, spec));
  for (int i = 0; i < 28; ++i) EXPECT_NEAR(s.row(i).sum(), 1.0, 1e-6);
  spec.norm = Normalization::AugNormAdj;
  spec.self_loop = 2.0;
  EXPECT_EQ(dense_of(normalized_operator(a, spec)), dense_of(aug_norm_adj(a, 2.0f)));
}

}  // namespace
}  // namespace sgc

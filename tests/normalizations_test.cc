// Every graph normalisation against the formula evaluated naively in dense
// double precision, on random graphs with isolated nodes, self-loops,
// duplicate edges and (in one test) non-unit weights.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/graph/normalizations.h"
#include "sgc/random.h"
#include "test_util.h"

namespace sgc {
namespace {

using testing::awkward_graph;
using testing::dense_of;
using testing::max_rel_error;

// The formulas of normalizations.h written out with dense matrices. D^-1 and
// D^-1/2 of an isolated node are 0 (the convention documented there).
DenseMatrixD naive_normalization(const DenseMatrixD& a, Normalization n, double g) {
  const auto count = a.rows();
  const DenseMatrixD eye = DenseMatrixD::Identity(count, count);
  const Eigen::VectorXd d = a.rowwise().sum();
  Eigen::VectorXd inv(count), inv_sqrt(count), aug_inv(count), aug_inv_sqrt(count);
  for (Eigen::Index i = 0; i < count; ++i) {
    inv[i] = d[i] > 0 ? 1 / d[i] : 0;
    inv_sqrt[i] = d[i] > 0 ? 1 / std::sqrt(d[i]) : 0;
    aug_inv[i] = d[i] + g > 0 ? 1 / (d[i] + g) : 0;
    aug_inv_sqrt[i] = d[i] + g > 0 ? 1 / std::sqrt(d[i] + g) : 0;
  }
  const DenseMatrixD norm_adj = inv_sqrt.asDiagonal() * a * inv_sqrt.asDiagonal();
  const DenseMatrixD rwalk = inv.asDiagonal() * a;
  switch (n) {
    case Normalization::AugNormAdj: return aug_inv_sqrt.asDiagonal() * (a + g * eye) * aug_inv_sqrt.asDiagonal();
    case Normalization::NormAdj: return norm_adj;
    case Normalization::RWalk: return rwalk;
    case Normalization::AugRWalk: return aug_inv.asDiagonal() * (a + g * eye);
    case Normalization::FirstOrderGcn: return eye + norm_adj;
    case Normalization::LowPass: return (eye + norm_adj) / 2;
    case Normalization::NoNorm: return a;
    case Normalization::NormLap: return eye - norm_adj;
    case Normalization::Lap: return DenseMatrixD(d.asDiagonal()) - a;
    case Normalization::RWalkLap: return eye - rwalk;
  }
  return {};
}

// Symmetric graph with weights in [0.5, 2.5), self-loops on some nodes and
// the last `isolated` nodes without edges.
CsrMatrix weighted_graph(int n, int edges, int isolated, uint64_t seed) {
  Rng rng(seed);
  std::vector<Triplet> t;
  for (int e = 0; e < edges; ++e) {
    const int32_t a = int32_t(rng.below(n - isolated)), b = int32_t(rng.below(n - isolated));
    const float w = float(0.5 + 2 * rng.uniform());
    t.push_back({a, b, w});
    t.push_back({b, a, w});
  }
  return csr_from_triplets(n, n, std::move(t), /*combine_max=*/true);
}

TEST(Normalizations, EveryOneMatchesItsFormula) {
  for (const std::string& name : normalization_names()) {
    const Normalization n = parse_normalization(name);
    for (int isolated : {0, 6}) {
      for (uint64_t seed : {1, 2}) {
        for (double g : {1.0, 0.5, 3.0}) {
          const CsrMatrix a = seed == 1 ? awkward_graph(50, 120, isolated, seed) : weighted_graph(50, 90, isolated, seed);
          const CsrMatrix m = normalize_adjacency(a, n, g);
          validate_csr(m, "normalised adjacency");
          const DenseMatrixD want = naive_normalization(dense_of(a), n, g);
          EXPECT_LT(max_rel_error(dense_of(m), want), 1e-6)
              << name << " isolated=" << isolated << " seed=" << seed << " g=" << g;
        }
      }
    }
  }
}

TEST(Normalizations, AugNormAdjIsTheSgcOperatorBitForBit) {
  const CsrMatrix a = awkward_graph(80, 300, 5, 3);
  for (float g : {1.0f, 0.25f}) {
    const CsrMatrix want = aug_norm_adj(a, g), got = normalize_adjacency(a, Normalization::AugNormAdj, g);
    EXPECT_EQ(got.indptr, want.indptr);
    EXPECT_EQ(got.indices, want.indices);
    EXPECT_EQ(got.values, want.values);
  }
}

// The per-node form the GPU builds S from (the generic builder, which every
// other normalisation goes through on the host) is aug_norm_adj's own pass,
// bit for bit.
TEST(Normalizations, FormBuilderIsAugNormAdjBitForBit) {
  for (const CsrMatrix& a : {awkward_graph(80, 300, 5, 3), weighted_graph(60, 150, 4, 7)}) {
    for (double g : {1.0, 0.25, 0.0}) {
      const CsrMatrix want = aug_norm_adj(a, float(g));
      const CsrMatrix got = normalize_by_form(a, normalization_form(Normalization::AugNormAdj, g));
      EXPECT_EQ(got.indptr, want.indptr) << "g=" << g;
      EXPECT_EQ(got.indices, want.indices) << "g=" << g;
      EXPECT_EQ(got.values, want.values) << "g=" << g;
    }
  }
  const NormalizationForm aug = normalization_form(Normalization::AugNormAdj, 0.1);
  EXPECT_EQ(aug.loop, double(0.1f));  // as aug_norm_adj takes it
  EXPECT_TRUE(aug.loop_in_degree && aug.stores_diagonal);
  EXPECT_FALSE(normalization_form(Normalization::AugNormAdj, 0.0).stores_diagonal);
  EXPECT_TRUE(normalization_form(Normalization::Lap).identity_is_degree);
}

TEST(Normalizations, StructuralProperties) {
  const CsrMatrix a = awkward_graph(70, 200, 4, 5);
  const int first_isolated = 66;
  const DenseMatrixD rwalk = dense_of(normalize_adjacency(a, Normalization::RWalk));
  const DenseMatrixD aug_rwalk = dense_of(normalize_adjacency(a, Normalization::AugRWalk, 2.0));
  const DenseMatrixD lap = dense_of(normalize_adjacency(a, Normalization::Lap));
  const DenseMatrixD rwalk_lap = dense_of(normalize_adjacency(a, Normalization::RWalkLap));
  for (int i = 0; i < 70; ++i) {
    EXPECT_NEAR(aug_rwalk.row(i).sum(), 1.0, 1e-6) << i;  // stochastic everywhere (g > 0)
    EXPECT_NEAR(lap.row(i).sum(), 0.0, 1e-5) << i;        // L 1 = 0
    if (i < first_isolated) {
      EXPECT_NEAR(rwalk.row(i).sum(), 1.0, 1e-6) << i;
      EXPECT_NEAR(rwalk_lap.row(i).sum(), 0.0, 1e-6) << i;
    }
  }
  // Isolated nodes under the D^-1 := 0 convention.
  const int i = first_isolated + 1;
  EXPECT_EQ(rwalk.row(i).cwiseAbs().sum(), 0.0);
  EXPECT_EQ(dense_of(normalize_adjacency(a, Normalization::NormAdj)).row(i).cwiseAbs().sum(), 0.0);
  EXPECT_DOUBLE_EQ(dense_of(normalize_adjacency(a, Normalization::NormLap))(i, i), 1.0);
  EXPECT_DOUBLE_EQ(dense_of(normalize_adjacency(a, Normalization::LowPass))(i, i), 0.5);
  // The normalised Laplacian's spectrum lies in [0, 2]; the adjacency's in [-1, 1].
  Eigen::SelfAdjointEigenSolver<DenseMatrixD> lap_eig(dense_of(normalize_adjacency(a, Normalization::NormLap)));
  EXPECT_GT(lap_eig.eigenvalues().minCoeff(), -1e-6);
  EXPECT_LT(lap_eig.eigenvalues().maxCoeff(), 2 + 1e-6);
}

TEST(Normalizations, SelfLoopWeightOnlyChangesTheAugmentedOnes) {
  const CsrMatrix a = awkward_graph(40, 90, 3, 7);
  for (const std::string& name : normalization_names()) {
    const Normalization n = parse_normalization(name);
    const bool augmented = n == Normalization::AugNormAdj || n == Normalization::AugRWalk;
    const double change =
        (dense_of(normalize_adjacency(a, n, 1.0)) - dense_of(normalize_adjacency(a, n, 2.0))).cwiseAbs().maxCoeff();
    if (augmented)
      EXPECT_GT(change, 1e-3) << name;
    else
      EXPECT_EQ(change, 0.0) << name;
  }
}

TEST(Normalizations, NamesAndErrors) {
  EXPECT_EQ(parse_normalization("AugNormAdj"), Normalization::AugNormAdj);
  EXPECT_EQ(parse_normalization("FirstOrderGCN"), Normalization::FirstOrderGcn);
  EXPECT_EQ(parse_normalization("rwalk_lap"), Normalization::RWalkLap);
  EXPECT_EQ(normalization_names().size(), 10u);
  for (const std::string& name : normalization_names()) EXPECT_EQ(to_string(parse_normalization(name)), name);
  try {
    parse_normalization("sym");
    ADD_FAILURE() << "no error for an unknown name";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("--norm"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("norm_lap"), std::string::npos) << "lists the known names: " << e.what();
  }
  const CsrMatrix a = awkward_graph(10, 20, 1, 1);
  EXPECT_THROW(normalize_adjacency(a, Normalization::AugRWalk, -1.0), ArgumentError);
  EXPECT_THROW(normalize_adjacency(a, Normalization::AugRWalk, std::nan("")), ArgumentError);
  EXPECT_THROW(normalize_adjacency(csr_from_triplets(2, 3, {}, true), Normalization::Lap), ArgumentError);
}

// A negative weight could make a degree zero or negative and its row zero
// or NaN without a word: every normalisation refuses it, naming the entry.
TEST(Normalizations, NegativeWeightsAreRefused) {
  const CsrMatrix a = csr_from_triplets(3, 3, {{0, 1, 1.0f}, {1, 0, 1.0f}, {1, 2, -1.0f}, {2, 1, -1.0f}}, true);
  for (const std::string& name : normalization_names()) {
    try {
      normalize_adjacency(a, parse_normalization(name));
      ADD_FAILURE() << name << " accepted a negative weight";
    } catch (const ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("-1.000000 at (1, 2) is negative"), std::string::npos) << e.what();
    }
  }
  CsrMatrix fine = a;
  for (float& v : fine.values) v = std::abs(v);
  EXPECT_NO_THROW(normalize_adjacency(fine, Normalization::AugNormAdj));
  // NaN and infinity are refused the same way (a NaN passed the `< 0` test
  // and came out as propagated features "not finite (overflow)").
  for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    CsrMatrix b = fine;
    b.values[2] = b.values[3] = bad;
    try {
      normalize_adjacency(b, Normalization::AugNormAdj);
      ADD_FAILURE() << bad << " accepted";
    } catch (const ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("at (1, 2) is not finite"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace sgc

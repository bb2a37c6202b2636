// Shared helpers for the GoogleTest suite.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/operator.h"
#include "sgc/random.h"

namespace sgc::testing {

// A registry operator at depth k with test settings for the parameters it
// reads (T 3, alpha 0.2 or 0.05 for ssgc, a short polynomial).
inline OperatorSpec operator_spec(const std::string& op, int k = 2) {
  OperatorSpec spec;
  spec.def = &find_operator(op);
  spec.k = k;
  spec.t = 3.0;
  spec.alpha = op == "ssgc" ? 0.05 : 0.2;
  if (op == "poly") spec.coeffs = {0.2, -0.5, 0.7, 0.1};
  return spec;
}

// A registry operator with the diffusion time T, alpha (and ssgc/ppr's tol)
// given; poly gets a short polynomial.
inline OperatorSpec operator_spec(const std::string& op, int k, double t, double alpha, double tol = 1e-6) {
  OperatorSpec spec = operator_spec(op, k);
  spec.t = t;
  spec.alpha = alpha;
  spec.tol = tol;
  return spec;
}

// The real data sets: $SGC_DATA_DIR, else <repo>/../shared/data (set at build time).
inline std::string data_dir() {
  if (const char* env = std::getenv("SGC_DATA_DIR"); env && *env) return env;
  return SGC_DEFAULT_DATA_DIR;
}
inline std::string planetoid_dir() { return data_dir() + "/planetoid"; }

// What a command did: exit code (128 + signal if it crashed) and stdout +
// stderr together.
struct CliRun {
  int exit_code;
  std::string output;
};

// Runs a shell command.
inline CliRun run_shell(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buf;
  size_t got;
  while ((got = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), got);
  const int status = pclose(pipe);
  if (WIFSIGNALED(status)) return {128 + WTERMSIG(status), out};
  return {WEXITSTATUS(status), out};
}

// Runs the built `sgc` command with `args`.
inline CliRun run_cli(const std::string& args) { return run_shell(std::string(SGC_CLI_PATH) + " " + args); }

// `sgc args` fails with a message holding `needle`, and does not crash.
inline void expect_cli_error(const std::string& args, const std::string& needle) {
  const CliRun r = run_cli(args);
  EXPECT_NE(r.exit_code, 0) << args;
  EXPECT_LT(r.exit_code, 128) << "crashed: " << args;
  EXPECT_NE(r.output.find(needle), std::string::npos) << args << "\n" << r.output;
}

// A random undirected graph with the awkward cases on purpose: isolated nodes
// (the last `isolated` ids), self-loops and duplicate edges.
inline CsrMatrix awkward_graph(int n, int edges, int isolated, uint64_t seed) {
  Rng rng(seed);
  std::vector<Triplet> t;
  const int active = n - isolated;
  for (int e = 0; e < edges; ++e) {
    const int32_t a = int32_t(rng.below(active)), b = int32_t(rng.below(active));
    t.push_back({a, b, 1.0f});
    t.push_back({b, a, 1.0f});
    if (e % 7 == 0) {  // duplicate
      t.push_back({a, b, 1.0f});
      t.push_back({b, a, 1.0f});
    }
  }
  for (int i = 0; i < active; i += 5) t.push_back({i, i, 1.0f});  // self-loops
  return csr_from_triplets(n, n, std::move(t), /*combine_max=*/true);
}

inline DenseMatrixD dense_of(const CsrMatrix& a) {
  DenseMatrixD d = DenseMatrixD::Zero(a.rows, a.cols);
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) d(i, a.indices[p]) += a.values[p];
  return d;
}

// a x in double, summed row by row in index order: the reference for every
// sparse-dense product kernel.
inline DenseMatrixD naive_product(const CsrMatrix& a, const DenseMatrix& x) {
  DenseMatrixD y = DenseMatrixD::Zero(a.rows, x.cols());
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p)
      y.row(i) += double(a.values[p]) * x.row(a.indices[p]).cast<double>();
  return y;
}

inline DenseMatrix random_dense(int64_t rows, int64_t cols, uint64_t seed) {
  Rng rng(seed);
  DenseMatrix x(rows, cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) x(i, j) = float(rng.uniform());
  return x;
}

// Entries drawn from N(0, 1).
inline DenseMatrix random_normal(int64_t rows, int64_t cols, uint64_t seed) {
  Rng rng(seed);
  DenseMatrix m(rows, cols);
  for (int64_t i = 0; i < m.size(); ++i) m.data()[i] = float(rng.normal());
  return m;
}

// Largest |a - b| / (|b| + floor) over all entries: relative error with a floor
// (the scale of the reference) so entries that are 0 in exact arithmetic count.
template <class A, class B>
double max_rel_error(const A& a, const B& b) {
  const double floor = std::max(1e-30, b.cwiseAbs().maxCoeff() * 1e-3);
  return ((a.template cast<double>() - b.template cast<double>()).cwiseAbs().array() /
          (b.template cast<double>().cwiseAbs().array() + floor))
      .maxCoeff();
}

// Largest |a - b| relative to the largest |b|: the right yardstick for data
// of mixed sign, where single entries may cancel to nearly zero.
template <class A, class B>
double max_error_vs_scale(const A& a, const B& b) {
  return (a.template cast<double>() - b.template cast<double>()).cwiseAbs().maxCoeff() /
         std::max(1e-30, b.template cast<double>().cwiseAbs().maxCoeff());
}

}  // namespace sgc::testing

// The engine's large dense products (sgc/gemm.h) through its backend (OpenBLAS
// when the build found it) against Eigen alone (baseline x86-64, the fallback),
// side by side in one run, on the shapes that use them: TSC's contrastive
// blocks on Pubmed (B x h times h x N, and back), its encoder and its powers
// path. Median of --runs; the host (CPU, caches, triad) is printed first.
//
//   gemm_bench [--runs 5] [--nodes 19717]
#include <cstdio>
#include <vector>

#include "bench_util.h"
#include "sgc/gemm.h"
#include "sgc/model/contrastive.h"
#include "sgc/random.h"
#include "sgc/util/timer.h"

namespace {

using sgc::bench::median_seconds;
using sgc::bench::random_dense;

using Gemm = void (*)(float, const sgc::MatrixRef&, sgc::Op, const sgc::MatrixRef&, sgc::Op, float, sgc::MutableMatrixRef);

void shape(const char* what, int runs, Eigen::Index m, Eigen::Index k, Eigen::Index n, sgc::Op op_a, sgc::Op op_b) {
  const sgc::DenseMatrix a = op_a == sgc::Op::None ? random_dense(m, k, 1) : random_dense(k, m, 1);
  const sgc::DenseMatrix b = op_b == sgc::Op::None ? random_dense(k, n, 2) : random_dense(n, k, 2);
  sgc::DenseMatrix c(m, n), c_eigen(m, n);
  double seconds[2];
  Gemm backends[2] = {static_cast<Gemm>(&sgc::gemm), &sgc::gemm_eigen};
  sgc::DenseMatrix* outs[2] = {&c, &c_eigen};
  for (int i = 0; i < 2; ++i)
    seconds[i] = median_seconds(runs, [&] { backends[i](1.0f, a, op_a, b, op_b, 0.0f, *outs[i]); });
  const double mac = double(m) * double(k) * double(n);
  const double diff = (c - c_eigen).cwiseAbs().maxCoeff() / std::max(1e-30f, c_eigen.cwiseAbs().maxCoeff());
  std::printf("%-44s %6lld x %-6lld x %-6lld gemm %8.4f s (%5.1f GMAC/s) | eigen %8.4f s (%5.1f GMAC/s) | %.2fx | "
              "max rel diff %.1e\n",
              what, (long long)m, (long long)k, (long long)n, seconds[0], mac / seconds[0] / 1e9, seconds[1],
              mac / seconds[1] / 1e9, seconds[1] / seconds[0], diff);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  Eigen::Index nodes = 19717;
  CLI::App app{"The dense products of TSC and the powers path, at their shapes."};
  sgc::bench::add_runs_option(app, runs);
  app.add_option("--nodes", nodes, "rows of the node-sized operands")->capture_default_str()->check(
      CLI::Range(Eigen::Index(2), Eigen::Index(10000000)));
  if (const int rc = sgc::bench::parse_command_line(app, argc, argv); rc >= 0) return rc;
  std::printf("%s\ndense products: %s\n", sgc::bench::host_line().c_str(), sgc::gemm_backend().c_str());
  const Eigen::Index block = sgc::contrastive_block_rows(nodes), h = 256, f = 501;
  using sgc::Op;
  shape("contrastive similarities U_B U^T", runs, block, h, nodes, Op::None, Op::Transpose);
  shape("contrastive row side P_B U", runs, block, nodes, h, Op::None, Op::None);
  shape("contrastive column side P_B^T U_B", runs, nodes, block, h, Op::Transpose, Op::None);
  shape("encoder layer H W (h x h)", runs, nodes, h, h, Op::None, Op::None);
  shape("encoder gradient H^T G", runs, h, nodes, h, Op::Transpose, Op::None);
  shape("powers path S^c X~ W[:, cols] (36 columns)", runs, nodes, f, 36, Op::None, Op::None);
  shape("powers path gradient (S^c X~)^T G (36 columns)", runs, f, nodes, 36, Op::Transpose, Op::None);
  return 0;
}

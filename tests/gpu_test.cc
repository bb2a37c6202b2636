// The GPU path: every operator's plan of hops (checked on the CPU in every
// build), the --device setting, and — on a machine with a CUDA GPU — every
// operator, the row-restricted output and the softmax head against the CPU.
// Without a GPU the device tests are skipped, saying why.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "sgc/gpu/cuda_backend.h"
#include "sgc/gpu/device.h"
#include "sgc/gpu/generated_graph.h"
#include "sgc/gpu/gpu_operator.h"
#include "sgc/graph/normalizations.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/linear_model.h"
#include "sgc/model/softmax_regression.h"
#include "sgc/model/train.h"
#include "sgc/ops/operator.h"
#include "sgc/presets.h"
#include "gpu_test_util.h"
#include "test_util.h"

namespace sgc {
namespace {

using gpu_testing::every_operator;
using gpu_testing::long_row_graph;
using gpu_testing::OnGpu;
using gpu_testing::SetEnv;
using gpu_testing::spec_of;
using gpu_testing::StreamS;
using testing::awkward_graph;
using testing::dense_of;
using testing::max_rel_error;

// The plan run in double, straight from its definition in ops/hop_plan.h.
DenseMatrixD run_plan_reference(const DenseMatrixD& s, const DenseMatrixD& x, const HopPlan& plan) {
  switch (plan.kind) {
    case HopPlan::Kind::Series: {
      DenseMatrixD hop = x, sum = plan.weights[0] * x;
      for (size_t j = 1; j < plan.weights.size(); ++j) {
        hop = s * hop;
        sum += plan.weights[j] * hop;
      }
      return sum;
    }
    case HopPlan::Kind::Euler: {
      DenseMatrixD h = x;
      for (int i = 0; i < plan.k; ++i) h = h + plan.step * (s * h - h);
      return h;
    }
    case HopPlan::Kind::Concat: {
      DenseMatrixD out(x.rows(), x.cols() * (plan.k + 1));
      DenseMatrixD hop = x;
      for (int j = 0; j <= plan.k; ++j) {
        if (j > 0) hop = s * hop;
        out.middleCols(j * x.cols(), x.cols()) = hop;
      }
      return out;
    }
  }
  return {};
}

struct Graph {
  CsrMatrix s;
  DenseMatrix x;
};
Graph small_graph(uint64_t seed) {
  return {aug_norm_adj(awkward_graph(90, 200, 4, seed)), testing::random_dense(90, 7, seed + 1)};
}

TEST(HopPlans, EveryOperatorIsItsPlan) {
  const Graph g = small_graph(3);
  const DenseMatrixD sd = dense_of(g.s);
  for (const OperatorSpec& spec : every_operator()) {
    const HopPlan plan = hop_plan(spec);
    EXPECT_EQ(plan.products(), planned_sparse_products(spec)) << operator_summary(spec);
    const DenseMatrix cpu = apply_operator(g.s, FeatureInput(g.x), spec);
    const DenseMatrixD ref = run_plan_reference(sd, g.x.cast<double>(), plan);
    ASSERT_EQ(cpu.cols(), ref.cols()) << operator_summary(spec);
    EXPECT_LT(max_rel_error(cpu, ref), 1e-4) << operator_summary(spec);
  }
}

TEST(Device, NamesAndRefusals) {
  EXPECT_EQ(parse_device("cpu"), Device::Cpu);
  EXPECT_EQ(parse_device("cuda"), Device::Cuda);
  try {
    parse_device("gpu");
    FAIL() << "accepted 'gpu'";
  } catch (const ParameterError& e) {
    EXPECT_NE(std::string(e.what()).find("--device"), std::string::npos) << e.what();
  }
  try {  // a GPU is chosen the CUDA way, and the message says so
    parse_device("cuda:1");
    FAIL() << "accepted 'cuda:1'";
  } catch (const ParameterError& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA_VISIBLE_DEVICES=1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(current_device(), Device::Cpu);
  if (const std::string why = cuda_unavailable_reason(); !why.empty()) {
    try {
      set_device(Device::Cuda);
      FAIL() << "--device cuda accepted without a usable GPU";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
    EXPECT_EQ(current_device(), Device::Cpu);
    const testing::CliRun run = testing::run_cli("train --device cuda --epochs 2");
    EXPECT_EQ(run.exit_code, 1) << run.output;  // the machine's error, not a flag-syntax one (105)
    EXPECT_NE(run.output.find("sgc: error: --device cuda"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find(why), std::string::npos) << run.output;
  }
}

// The operator on every row and on `rows`, on the CPU and on the GPU.
struct OnBoth {
  DenseMatrix cpu, cpu_rows, gpu, gpu_rows;
};
OnBoth on_both(const Graph& g, const OperatorSpec& spec, const std::vector<int32_t>& rows) {
  OnBoth r;
  r.cpu = apply_operator(g.s, FeatureInput(g.x), spec);
  r.cpu_rows = apply_operator(g.s, FeatureInput(g.x), spec, &rows);
  const OnGpu on;
  r.gpu = apply_operator(g.s, FeatureInput(g.x), spec);
  r.gpu_rows = apply_operator(g.s, FeatureInput(g.x), spec, &rows);
  return r;
}

TEST(Gpu, EveryOperatorEqualsTheCpu) {
  SKIP_WITHOUT_GPU();
  const Graph g = small_graph(5);
  const std::vector<int32_t> rows{7, 3, 88, 0, 3};
  for (const OperatorSpec& spec : every_operator()) {
    const auto [cpu, cpu_rows, gpu, gpu_rows] = on_both(g, spec, rows);
    ASSERT_EQ(gpu.rows(), cpu.rows());
    ASSERT_EQ(gpu.cols(), cpu.cols());
    EXPECT_LT(max_rel_error(gpu, cpu), 1e-4) << operator_summary(spec);
    ASSERT_EQ(gpu_rows.rows(), int64_t(rows.size()));
    EXPECT_LT(max_rel_error(gpu_rows, cpu_rows), 1e-4) << operator_summary(spec) << " (rows)";
  }
}

// --precision bf16|fp16 on sgc: X and the hops in 16 bits with fp32 sums in
// the same order as the CPU's, the last hop in fp32. A sum that differs in its
// last fp32 bit may round to the other 16-bit neighbour, hence one 16-bit
// step of tolerance.
TEST(Gpu, SixteenBitStorageEqualsTheCpus) {
  SKIP_WITHOUT_GPU();
  const Graph g{small_graph(6).s, testing::random_dense(90, 8, 11)};  // an even number of features
  const std::vector<int32_t> rows{7, 3, 88, 0, 3};
  for (const auto& [precision, step] : {std::pair{Precision::Bf16, 1.0 / 128}, std::pair{Precision::Fp16, 1.0 / 1024}}) {
    OperatorSpec spec = spec_of("sgc", 3);
    spec.precision = precision;
    const auto [cpu, cpu_rows, gpu, gpu_rows] = on_both(g, spec, rows);
    {
      // An odd number of features cannot be read as 16-bit pairs: refused, not run otherwise.
      const OnGpu on;
      const DenseMatrix odd = g.x.leftCols(g.x.cols() - 1);
      EXPECT_THROW(apply_operator(g.s, FeatureInput(odd), spec), ArgumentError);
    }
    EXPECT_LE(testing::max_error_vs_scale(gpu, cpu), step) << to_string(precision);
    EXPECT_LE(testing::max_error_vs_scale(gpu_rows, cpu_rows), step) << to_string(precision) << " (rows)";
    // Not the fp32 result: the storage really is 16 bits.
    OperatorSpec fp32 = spec;
    fp32.precision = Precision::Fp32;
    EXPECT_GT(testing::max_error_vs_scale(gpu, apply_operator(g.s, FeatureInput(g.x), fp32)), 1e-7);
  }
}

TEST(Gpu, SparseFeaturesAreDensifiedAlike) {
  SKIP_WITHOUT_GPU();
  const Graph g = small_graph(6);
  const CsrMatrix xs = aug_norm_adj(awkward_graph(90, 60, 10, 9));  // a sparse 90 x 90 "feature" matrix
  const OperatorSpec spec = spec_of("ssgc", 4, 5, 0.2);
  const DenseMatrix cpu = apply_operator(g.s, FeatureInput(xs), spec);
  const OnGpu on;
  EXPECT_LT(max_rel_error(apply_operator(g.s, FeatureInput(xs), spec), cpu), 1e-4);
}

// With one GEMM, and split over chunks of rows (SGC_GPU_HEAD_SPLIT=1; 5,000
// rows: four full chunks of a strided batch and a shorter last one).
TEST(Gpu, SoftmaxLossAndGradientEqualTheCpu) {
  SKIP_WITHOUT_GPU();
  const DenseMatrix x = testing::random_dense(5000, 33, 4);
  std::vector<int32_t> y(5000);
  for (size_t i = 0; i < y.size(); ++i) y[i] = int32_t((i * 7) % 5);
  const SoftmaxModel m = init_softmax(33, 5, 11);
  Eigen::VectorXf g_cpu;
  const double l_cpu = softmax_loss_grad(m, x, y, g_cpu);
  for (const char* split : {"0", "1"}) {
    SCOPED_TRACE(std::string("SGC_GPU_HEAD_SPLIT=") + split);
    const SetEnv scope("SGC_GPU_HEAD_SPLIT", split);
    Eigen::VectorXf g_gpu(m.theta.size()), again(m.theta.size());
    const auto objective = softmax_objective_on_gpu(x, y, 5);
    const double l_gpu = objective->loss_grad(m.theta.data(), g_gpu.data());
    EXPECT_NEAR(l_gpu, l_cpu, 1e-5 * std::abs(l_cpu));
    EXPECT_LT((g_gpu - g_cpu).cwiseAbs().maxCoeff(), 1e-4 * g_cpu.cwiseAbs().maxCoeff());
    EXPECT_EQ(objective->loss_grad(m.theta.data(), again.data()), l_gpu);
    EXPECT_TRUE((again.array() == g_gpu.array()).all()) << "a second call gave other bits";
    EXPECT_THROW(softmax_objective_on_gpu(x, std::vector<int32_t>(5000, 5), 5), ArgumentError);
  }
  const SetEnv bad("SGC_GPU_HEAD_SPLIT", "yes");
  EXPECT_THROW(softmax_objective_on_gpu(x, y, 5), ArgumentError);
}

// S built on the GPU from A is the host's S: the same entries in the same
// places, every value the same float (the products rounded one by one on
// both sides), for every normalisation and self-loop weight.
TEST(Gpu, NormalisesAsTheHostDoes) {
  SKIP_WITHOUT_GPU();
  for (const CsrMatrix& a : {awkward_graph(90, 200, 4, 3), long_row_graph()}) {
    for (const std::string& name : normalization_names()) {
      for (double g : {1.0, 0.5, 0.0}) {
        const NormalizationForm form = normalization_form(parse_normalization(name), g);
        const CsrMatrix want = normalize_by_form(a, form);
        const CsrMatrix got = normalize_on_gpu(a, form);
        ASSERT_EQ(got.indptr, want.indptr) << name << " g=" << g;
        ASSERT_EQ(got.indices, want.indices) << name << " g=" << g;
        int64_t differ = 0;
        for (size_t p = 0; p < want.values.size(); ++p)
          differ += std::nextafter(want.values[p], INFINITY) < got.values[p] ||
                    std::nextafter(want.values[p], -INFINITY) > got.values[p];
        EXPECT_EQ(differ, 0) << name << " g=" << g << ": values more than one float step apart";
      }
    }
  }
  const CsrMatrix wide = csr_from_triplets(5, 6, {{0, 5, 1.0f}, {4, 1, 1.0f}}, /*combine_max=*/false);
  EXPECT_THROW(normalize_on_gpu(wide, normalization_form(Normalization::NormAdj)), ArgumentError);
}

// The operators run from A (S built on the GPU) equal the host's run from S.
TEST(Gpu, OperatorsFromTheAdjacencyEqualTheCpu) {
  SKIP_WITHOUT_GPU();
  const CsrMatrix a = long_row_graph();
  const DenseMatrix x = testing::random_dense(a.rows, 6, 2);
  const std::vector<int32_t> rows{7, 3, 300, 0, 3, 399};
  for (OperatorSpec spec : {spec_of("sgc", 2), spec_of("ssgc", 4, 5, 0.2), spec_of("sign", 2), spec_of("dgc", 3)}) {
    for (Normalization norm : {Normalization::AugNormAdj, Normalization::RWalk, Normalization::LowPass}) {
      spec.norm = norm;
      const CsrMatrix s = normalized_operator(a, spec);
      const DenseMatrix cpu = apply_operator(s, FeatureInput(x), spec, &rows);
      const OnGpu on;
      const DenseMatrix gpu = run_operator_on_adjacency(a, FeatureInput(x), spec, &rows).features;
      EXPECT_LT(max_rel_error(gpu, cpu), 1e-4) << operator_summary(spec);
    }
  }
}

// The same input gives the same bits run after run (results are
// deterministic for a seed), on a graph large enough to spread every hop over
// the whole GPU.
TEST(Gpu, RunsAreRepeatable) {
  SKIP_WITHOUT_GPU();
  const CsrMatrix a = awkward_graph(60000, 600000, 50, 8);
  const DenseMatrix x = testing::random_dense(a.rows, 64, 9);
  const std::vector<int32_t> rows{5, 59999, 123, 5};
  const OnGpu on;
  for (const OperatorSpec& spec : {spec_of("sgc", 3), spec_of("ssgc", 4, 5, 0.2), spec_of("dgc_naive", 6, 3.0)}) {
    const DenseMatrix first = run_operator_on_adjacency(a, FeatureInput(x), spec).features;
    const DenseMatrix again = run_operator_on_adjacency(a, FeatureInput(x), spec).features;
    EXPECT_TRUE(first == again) << operator_summary(spec);
    const DenseMatrix some = run_operator_on_adjacency(a, FeatureInput(x), spec, &rows).features;
    for (size_t r = 0; r < rows.size(); ++r)
      EXPECT_TRUE(some.row(Eigen::Index(r)) == first.row(rows[r])) << operator_summary(spec) << " row " << rows[r];
  }
}

// Rows of far more entries than the rest (hubs) are summed by a block of
// warps in runs (gpu/cuda/spmm_pairs.cuh): the result equals the CPU's, in
// fp32 and in 16 bits, S resident and streamed, the same bits every run.
TEST(Gpu, LongRowsAreSummedAlike) {
  SKIP_WITHOUT_GPU();
  std::vector<Triplet> t;
  const int n = 12000;
  for (int hub = 0; hub < 3; ++hub)  // rows of about 6000, 4000 and 3000 entries: more than 1024
    for (int j = hub + 3; j < n; j += hub + 2) {
      t.push_back({hub, j, 1.0f});
      t.push_back({j, hub, 1.0f});
    }
  for (int i = 3; i + 1 < n; ++i) {
    t.push_back({i, i + 1, 0.5f});
    t.push_back({i + 1, i, 0.5f});
  }
  const CsrMatrix a = csr_from_triplets(n, n, std::move(t), /*combine_max=*/true);
  ASSERT_GT(a.indptr[1] - a.indptr[0], 5000);
  const CsrMatrix s = aug_norm_adj(a);
  const DenseMatrix x = testing::random_dense(n, 130, 21);  // a pass of 128 columns and one of 2
  const std::vector<int32_t> rows{0, 5, 1, 2, 11999};
  for (Precision precision : {Precision::Fp32, Precision::Bf16}) {
    OperatorSpec spec = spec_of("sgc", 2);
    spec.precision = precision;
    const double tolerance = precision == Precision::Fp32 ? 1e-5 : 1.0 / 128;
    const DenseMatrix cpu = apply_operator(s, FeatureInput(x), spec);
    const OnGpu on;
    const DenseMatrix gpu = apply_operator(s, FeatureInput(x), spec);
    EXPECT_LE(testing::max_error_vs_scale(gpu, cpu), tolerance) << to_string(precision);
    EXPECT_TRUE(apply_operator(s, FeatureInput(x), spec) == gpu) << to_string(precision);
    const DenseMatrix some = apply_operator(s, FeatureInput(x), spec, &rows);
    for (size_t r = 0; r < rows.size(); ++r)
      EXPECT_TRUE(some.row(Eigen::Index(r)) == gpu.row(rows[r])) << to_string(precision) << " row " << rows[r];
    const StreamS streamed("200000");  // S (about 60,000 entries) in several blocks
    EXPECT_TRUE(apply_operator(s, FeatureInput(x), spec) == gpu) << to_string(precision) << " (streamed)";
  }
}

// Transfers of at least two staging chunks go through page-locked chunks
// (gpu/cuda/host_link.h): X up and the hops down, whole and gathered, arrive
// bit for bit. S = I keeps every hop exact; the sizes are not a multiple of a
// chunk, so the last chunk is a partial one.
TEST(Gpu, StagedTransfersArriveExactly) {
  SKIP_WITHOUT_GPU();
  const int64_t n = 100003, d = 100;  // 40 MB of features: three chunks of 16 MiB
  CsrMatrix eye;
  eye.rows = eye.cols = n;
  for (int64_t i = 0; i < n; ++i) {
    eye.indices.push_back(int32_t(i));
    eye.values.push_back(1.0f);
    eye.indptr.push_back(i + 1);
  }
  const DenseMatrix x = testing::random_dense(n, d, 21);
  std::vector<int32_t> reversed(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) reversed[size_t(i)] = int32_t(n - 1 - i);
  for (const HopPlan& plan : {HopPlan::series({1.0}), HopPlan::series({0.0, 0.0, 1.0})}) {
    DenseMatrix whole(n, d), gathered(n, d);
    cuda::run_hop_plan(csr_ref(eye), x.data(), d, plan, nullptr, n, whole.data());
    EXPECT_TRUE(whole == x) << plan.products() << " hops, every row";
    cuda::run_hop_plan(csr_ref(eye), x.data(), d, plan, reversed.data(), n, gathered.data());
    EXPECT_TRUE(gathered == x.colwise().reverse().eval()) << plan.products() << " hops, rows reversed";
  }
}

// The pair kernel in fp32 (gpu_bench's candidate beside cuSPARSE) gives
// cuSPARSE's hop, over more than one pass of columns.
TEST(Gpu, PairKernelEqualsCusparse) {
  SKIP_WITHOUT_GPU();
  const CsrMatrix s = aug_norm_adj(awkward_graph(20000, 100000, 10, 4));
  const DenseMatrix x = testing::random_dense(s.rows, 300, 5);
  const cuda::HopKernelTimes t = cuda::compare_hop_kernels(csr_ref(s), x.data(), x.cols(), 1);
  EXPECT_LT(t.pairs_vs_cusparse, 1e-5);
  EXPECT_GT(t.cusparse, 0);
  EXPECT_GT(t.pairs_fp32, 0);
  EXPECT_GT(t.pairs_bf16, 0);
  EXPECT_GT(t.pairs_fp32_heavy_first, 0);
  EXPECT_GT(t.pairs_bf16_heavy_first, 0);
  EXPECT_TRUE(t.heavy_first_same_bits);
  EXPECT_LT(t.pass_columns, x.cols());  // more than one pass
}

// Same seed, same Planetoid accuracy: fp32 sums in another order move the
// convex head's optimum by rounding, which can flip a few of Cora's 1,000
// test nodes that sit on a class boundary (five allowed); a wrong operator or
// head moves it by tens of nodes.
TEST(Gpu, CoraTrainsToTheCpuAccuracy) {
  SKIP_WITHOUT_GPU();
  const Dataset data = load_planetoid(testing::planetoid_dir(), "cora");
  const Config c = preset_for(data, find_operator("sgc")).config;
  const Evaluation cpu = fit_evaluate(precompute(data, c), c.train);
  Evaluation gpu;
  {
    const OnGpu on;
    gpu = fit_evaluate(precompute(data, c), c.train);
  }
  EXPECT_NEAR(gpu.test_acc, cpu.test_acc, 0.0051);
  EXPECT_GE(gpu.test_acc, 0.80);
}

// A GPU propagation leaves the train, val and test rows in device memory,
// and the head trains and the evaluation reads them there: the same model and
// accuracies as from the host's copy of those rows uploaded again, both
// protocols.
TEST(Gpu, ResidentRowsTrainAndEvaluateAsUploaded) {
  SKIP_WITHOUT_GPU();
  const Dataset data = load_planetoid(testing::planetoid_dir(), "cora");
  for (const Protocol protocol : {Protocol::Transductive, Protocol::Inductive}) {
    Config c = preset_for(data, find_operator("sgc")).config;
    c.protocol = protocol;
    const OnGpu on;
    const Precomputed resident = precompute(data, c);
    ASSERT_TRUE(resident.train_on_device.rows && resident.eval_on_device.rows);
    const int64_t n_train = int64_t(resident.train_y.size()), n_val = int64_t(resident.val_y.size());
    EXPECT_GE(resident.train_on_device.rows->rows(), n_train);
    EXPECT_EQ(resident.eval_on_device.rows->rows() - resident.eval_on_device.row0,
              n_val + int64_t(resident.test_y.size()));
    Precomputed uploaded = resident;
    uploaded.train_on_device = uploaded.eval_on_device = DeviceSlice{};
    SoftmaxModel from_resident, from_uploaded;
    const Evaluation a = fit_evaluate(resident, c.train, nullptr, &from_resident);
    const Evaluation b = fit_evaluate(uploaded, c.train, nullptr, &from_uploaded);
    EXPECT_LT(max_rel_error(from_resident.theta, from_uploaded.theta), 1e-5) << int(protocol);
    EXPECT_NEAR(a.test_acc, b.test_acc, 0.0021) << int(protocol);
    EXPECT_NEAR(a.val_acc, b.val_acc, 0.0021) << int(protocol);
    EXPECT_NEAR(a.train_acc, b.train_acc, 0.0021) << int(protocol);
    // The logits read on the device equal the host's from its copy.
    const DenseMatrix host = softmax_logits(from_resident, resident.val_x());
    const DenseMatrix device = softmax_logits_on_gpu(from_resident, resident.val_x(), resident.eval_on_device);
    EXPECT_LT(max_rel_error(device, host), 1e-4) << int(protocol);  // sums in another order
    // A slice that does not hold the rows is refused, not read past its end.
    const DeviceSlice past{resident.eval_on_device.rows, resident.eval_on_device.rows->rows()};
    EXPECT_THROW(softmax_logits_on_gpu(from_resident, resident.val_x(), past), std::logic_error);
  }
}

// The graph the GPU makes for the papers100M-shaped run, small: the same S
// as the host makes from the same spec, and its hops in bfloat16 as the
// CPU's 16-bit path computes them (the GPU rounds the last hop to 16 bits
// too, the CPU returns it in fp32: one rounding apart).
TEST(Gpu, GeneratedGraphHopsEqualTheCpusInBf16) {
  SKIP_WITHOUT_GPU();
  GeneratedGraphSpec g;
  g.nodes = 30000, g.mean_row = 20, g.features = 300, g.seed = 3;  // 300: a pass of 256 columns, then one of 44
  const std::vector<int32_t> rows{0, 1, 17, 29999, 12345, 12345};
  std::vector<float> got(rows.size() * size_t(g.features));
  const cuda::GeneratedRun run = cuda::run_generated_hops(g, 3, rows.data(), int64_t(rows.size()), got.data());
  const CsrMatrix s = generated_operator(g);
  EXPECT_EQ(run.nnz, s.nnz());
  OperatorSpec spec = spec_of("sgc", 3);
  spec.precision = Precision::Bf16;
  const DenseMatrix x = generated_features(g);
  const DenseMatrix want = run_operator(s, FeatureInput(view_of(x)), spec, &rows).features;
  const Eigen::Map<const DenseMatrix> gpu(got.data(), Eigen::Index(rows.size()), g.features);
  EXPECT_LE(testing::max_error_vs_scale(gpu, want), 1.0 / 128) << "bfloat16 keeps 8 significant bits";
  EXPECT_GT(want.cwiseAbs().maxCoeff(), 0.0f);
  // Zero hops: the features themselves, rounded to bfloat16.
  std::vector<float> x0(rows.size() * size_t(g.features));
  cuda::run_generated_hops(g, 0, rows.data(), int64_t(rows.size()), x0.data());
  EXPECT_NEAR(x0[size_t(g.features) * 3 + 5], x(29999, 5), 1.0 / 256);
}

}  // namespace
}  // namespace sgc

// The GPU path with S streamed through the device in row blocks (two slots
// taking turns, or one) and with S described to cuSPARSE in 64-bit indices:
// both against the resident, 32-bit run, on a machine with a CUDA GPU; skipped
// elsewhere, saying why.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "sgc/gpu/cuda_backend.h"
#include "sgc/gpu/gpu_operator.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/operator.h"
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
using testing::max_rel_error;

// S streamed through the device in row blocks (asked for: blocks of one long
// row each, where S fits whole) gives the resident run's result: every
// operator, every row and a subset, and from the adjacency (S then built on
// the host); 16-bit storage runs the same kernel row by row, so the same bits,
// also with blocks large enough for staged uploads; blocks of empty rows are
// zero.
TEST(Gpu, StreamedSEqualsResident) {
  SKIP_WITHOUT_GPU();
  const CsrMatrix a = long_row_graph();  // rows of 150 entries and more: a block each
  const CsrMatrix s = aug_norm_adj(a);
  const DenseMatrix x = testing::random_dense(a.rows, 6, 12);
  const std::vector<int32_t> rows{7, 3, 300, 0, 3, 399};
  const OnGpu on;
  {
    const StreamS streamed("2000");
    EXPECT_TRUE(cuda::streams_s(csr_ref(s), 6, hop_plan(spec_of("sgc", 2)), a.rows, false, cuda::HopStorage::Fp32,
                                false));
    EXPECT_TRUE(cuda::streams_s(csr_ref(a), 6, hop_plan(spec_of("sgc", 2)), a.rows, false, cuda::HopStorage::Bf16,
                                true));
  }
  EXPECT_FALSE(cuda::streams_s(csr_ref(s), 6, hop_plan(spec_of("sgc", 2)), a.rows, false, cuda::HopStorage::Fp32,
                               false));
  for (const OperatorSpec& spec : every_operator()) {
    const DenseMatrix whole = apply_operator(s, FeatureInput(x), spec);
    const DenseMatrix whole_rows = apply_operator(s, FeatureInput(x), spec, &rows);
    const StreamS streamed("2000");
    EXPECT_LT(max_rel_error(apply_operator(s, FeatureInput(x), spec), whole), 1e-5) << operator_summary(spec);
    EXPECT_LT(max_rel_error(apply_operator(s, FeatureInput(x), spec, &rows), whole_rows), 1e-5)
        << operator_summary(spec) << " (rows)";
    EXPECT_LT(max_rel_error(run_operator_on_adjacency(a, FeatureInput(x), spec, &rows).features, whole_rows), 1e-4)
        << operator_summary(spec) << " (from A)";
  }
  for (Precision precision : {Precision::Bf16, Precision::Fp16}) {
    OperatorSpec spec = spec_of("sgc", 3);
    spec.precision = precision;
    const DenseMatrix whole = apply_operator(s, FeatureInput(x), spec);
    const DenseMatrix whole_rows = apply_operator(s, FeatureInput(x), spec, &rows);
    const StreamS streamed("2000");
    EXPECT_TRUE(apply_operator(s, FeatureInput(x), spec) == whole) << to_string(precision);
    EXPECT_TRUE(apply_operator(s, FeatureInput(x), spec, &rows) == whole_rows) << to_string(precision) << " (rows)";
  }
  {
    // About 19M entries in two blocks (at most 10M entries each): their columns and values (36-40 MB each) go
    // up staged, chunk by chunk.
    const CsrMatrix big = aug_norm_adj(awkward_graph(1000000, 9000000, 40, 14));
    ASSERT_GT(big.nnz(), 10000000 + (int64_t(1) << 23));  // the second block over two 16 MiB chunks
    const DenseMatrix xb = testing::random_dense(big.rows, 8, 15);
    const std::vector<int32_t> some{5, 999999, 123456, 5};
    OperatorSpec spec = spec_of("sgc", 2);
    spec.precision = Precision::Bf16;
    const DenseMatrix whole = apply_operator(big, FeatureInput(xb), spec);
    const DenseMatrix whole_rows = apply_operator(big, FeatureInput(xb), spec, &some);
    const StreamS streamed("200000000");
    EXPECT_TRUE(apply_operator(big, FeatureInput(xb), spec) == whole) << "staged blocks";
    EXPECT_TRUE(apply_operator(big, FeatureInput(xb), spec, &some) == whole_rows) << "staged blocks (rows)";
  }
  // 300 rows, the last 200 empty: blocks of 100 rows hold no entry at all.
  CsrMatrix sparse_tail;
  sparse_tail.rows = sparse_tail.cols = 300;
  for (int64_t i = 0; i < 300; ++i) {
    if (i < 100) {
      sparse_tail.indices.push_back(int32_t((i * 7) % 300));
      sparse_tail.values.push_back(0.5f);
    }
    sparse_tail.indptr.push_back(int64_t(sparse_tail.indices.size()));
  }
  const DenseMatrix y = testing::random_dense(300, 4, 13);
  DenseMatrix want(300, 4), got(300, 4);
  // Two hops: the second writes into the buffer that held y, so rows left unwritten would show.
  const HopPlan two = HopPlan::series({0.0, 0.0, 1.0});
  cuda::run_hop_plan(csr_ref(sparse_tail), y.data(), 4, two, nullptr, 300, want.data());
  {
    const StreamS streamed("2000");
    cuda::run_hop_plan(csr_ref(sparse_tail), y.data(), 4, two, nullptr, 300, got.data());
  }
  EXPECT_LT(max_rel_error(got, want), 1e-6);
  EXPECT_TRUE(got.bottomRows(200).isZero(0));
  {
    const StreamS nonsense("lots");
    EXPECT_THROW(apply_operator(s, FeatureInput(x), spec_of("sgc", 2)), ArgumentError);
  }
}

// S streamed as one block (one slot: each upload waits for the previous
// product, across hops) gives the resident result, in fp32 and in 16 bits.
TEST(Gpu, StreamedSInOneBlockEqualsResident) {
  SKIP_WITHOUT_GPU();
  const CsrMatrix s = aug_norm_adj(long_row_graph());
  const DenseMatrix x = testing::random_dense(s.rows, 6, 17);
  const OnGpu on;
  for (const char* op : {"sgc", "ssgc", "sign"}) {
    const OperatorSpec spec = spec_of(op, 3);
    const DenseMatrix whole = apply_operator(s, FeatureInput(x), spec);
    const StreamS streamed("1000000000");  // more than S: one block
    EXPECT_LT(max_rel_error(apply_operator(s, FeatureInput(x), spec), whole), 1e-5) << op;
  }
  OperatorSpec spec = spec_of("sgc", 3);
  spec.precision = Precision::Bf16;
  const DenseMatrix whole = apply_operator(s, FeatureInput(x), spec);
  const StreamS streamed("1000000000");
  EXPECT_TRUE(apply_operator(s, FeatureInput(x), spec) == whole);
}

// Hops by cuSPARSE (SGC_GPU_CUSPARSE=1) for the scope.
struct CusparseHops : SetEnv {
  CusparseHops() : SetEnv("SGC_GPU_CUSPARSE", "1") {}
};

// Describes S to cuSPARSE with 64-bit indices for the scope, as graphs with
// 2^31 entries (or n x d elements) are.
struct WideIndices : SetEnv {
  WideIndices() : SetEnv("SGC_GPU_WIDE_INDICES", "1") {}
};

// cuSPARSE's hops give what the kernel's do, S described to it in 32 bits
// and in 64 bits (columns widened on the device), resident and streamed, for
// every operator. cuSPARSE sums in orders of its own (not the same from run
// to run), and DGC's steps of 5/3 amplify them: 1e-4 of the largest value.
TEST(Gpu, CusparseHopsEqualTheKernels) {
  SKIP_WITHOUT_GPU();
  const CsrMatrix a = long_row_graph();
  const CsrMatrix s = aug_norm_adj(a);
  const DenseMatrix x = testing::random_dense(a.rows, 6, 16);
  const std::vector<int32_t> rows{7, 3, 300, 0, 3, 399};
  const OnGpu on;
  for (const OperatorSpec& spec : every_operator()) {
    const DenseMatrix kernel = apply_operator(s, FeatureInput(x), spec);
    const DenseMatrix kernel_rows = apply_operator(s, FeatureInput(x), spec, &rows);
    const CusparseHops cusparse;
    EXPECT_LT(max_rel_error(apply_operator(s, FeatureInput(x), spec), kernel), 1e-4) << operator_summary(spec);
    {
      const StreamS streamed("2000");
      EXPECT_LT(max_rel_error(apply_operator(s, FeatureInput(x), spec, &rows), kernel_rows), 1e-4)
          << operator_summary(spec) << " (streamed)";
    }
    const WideIndices wide;
    EXPECT_LT(max_rel_error(apply_operator(s, FeatureInput(x), spec), kernel), 1e-4)
        << operator_summary(spec) << " (64-bit)";
    EXPECT_LT(max_rel_error(run_operator_on_adjacency(a, FeatureInput(x), spec, &rows).features, kernel_rows), 1e-4)
        << operator_summary(spec) << " (64-bit, from A)";
    const StreamS streamed("2000");
    EXPECT_LT(max_rel_error(apply_operator(s, FeatureInput(x), spec, &rows), kernel_rows), 1e-4)
        << operator_summary(spec) << " (64-bit, streamed)";
  }
  {
    const CusparseHops cusparse;
    const SetEnv bad("SGC_GPU_WIDE_INDICES", "yes");
    EXPECT_THROW(apply_operator(s, FeatureInput(x), spec_of("sgc", 2)), ArgumentError);
  }
  const SetEnv bad("SGC_GPU_CUSPARSE", "yes");
  EXPECT_THROW(apply_operator(s, FeatureInput(x), spec_of("sgc", 2)), ArgumentError);
}

}  // namespace
}  // namespace sgc

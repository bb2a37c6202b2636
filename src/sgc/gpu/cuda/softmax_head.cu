// The softmax head on the GPU (gpu/cuda_backend.h's SoftmaxObjective and
// device_logits): logits Z = X W by SGEMM, a row kernel turns Z into softmax -
// onehot and each row's -log p, then grad W = X^T P (SGEMM), grad b = P^T 1
// (SGEMV), and the loss is summed by one block in a fixed order
// (deterministic). With SGC_GPU_HEAD_SPLIT=1 the two gradients are summed
// over chunks of rows instead, one GEMM of a strided batch and one column sum
// per chunk, then the chunks added in order (gpu/head_split.h: why). X is
// uploaded once, or read in place from rows the propagation left on the
// device; each call moves only theta and the gradient.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <climits>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "sgc/error.h"
#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/cuda/device_rows.cuh"
#include "sgc/gpu/cuda/host_link.h"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/gpu/env_switch.h"
#include "sgc/gpu/head_split.h"

namespace sgc::cuda {

namespace {

// Z (n x c, row-major) holds X W; adds b, turns each row into softmax - onehot(label)
// and writes the row's -log p(label) to nll.
__global__ void softmax_rows_kernel(float* z, const float* b, const int32_t* y, int64_t n, int32_t c, double* nll) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < n; r += int64_t(gridDim.x) * blockDim.x) {
    float* row = z + r * c;
    float mx = -INFINITY;
    for (int32_t j = 0; j < c; ++j) {
      row[j] += b[j];
      mx = fmaxf(mx, row[j]);
    }
    // -log p(label) = log sum exp(z - max) - (z_label - max), from the logit
    // itself: the label's exp can underflow long before the loss is large.
    const float label_logit = row[y[r]] - mx;
    double sum = 0;
    for (int32_t j = 0; j < c; ++j) {
      row[j] = expf(row[j] - mx);
      sum += row[j];
    }
    nll[r] = log(sum) - double(label_logit);
    const float inv = float(1.0 / sum);
    for (int32_t j = 0; j < c; ++j) row[j] *= inv;
    row[y[r]] -= 1.0f;
  }
}

// *out = sum of v[0..n), by one block of kSumThreads in a fixed order (the
// tree halves the block, so its size is a power of two).
constexpr int kSumThreads = 1024;
static_assert((kSumThreads & (kSumThreads - 1)) == 0, "sum_kernel's tree needs a power of two");
__global__ void sum_kernel(const double* v, int64_t n, double* out) {
  __shared__ double part[kSumThreads];
  double s = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) s += v[i];
  part[threadIdx.x] = s;
  __syncthreads();
  for (unsigned w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) *out = part[0];
}

// z[r, j] += b[j] for an n x c row-major z.
__global__ void add_bias_kernel(float* z, const float* b, int64_t n, int32_t c) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n * c; i += int64_t(gridDim.x) * blockDim.x)
    z[i] += b[i % c];
}

// Chunk blockIdx.x's column sums of z (n x c, row-major; chunks of chunk_rows
// rows) into partial[chunk * stride + offset + j], rows added in order.
__global__ void chunk_column_sums_kernel(const float* z, int64_t n, int32_t c, int64_t chunk_rows, float* partial,
                                         int64_t stride, int64_t offset) {
  const int64_t chunk = blockIdx.x, first = chunk * chunk_rows;
  const int64_t end = first + chunk_rows < n ? first + chunk_rows : n;
  for (int32_t j = threadIdx.x; j < c; j += blockDim.x) {
    float sum = 0;
    for (int64_t r = first; r < end; ++r) sum += z[r * c + j];
    partial[chunk * stride + offset + j] = sum;
  }
}

// out[i] = scale * the sum over chunks, in chunk order and in double, of
// partial[chunk * count + i].
__global__ void sum_chunks_kernel(const float* partial, int64_t chunks, int64_t count, double scale, float* out) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x) {
    double sum = 0;
    for (int64_t k = 0; k < chunks; ++k) sum += partial[k * count + i];
    out[i] = float(sum * scale);
  }
}

__global__ void fill_kernel(float* y, float v, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = v;
}

void require_blas_sizes(int64_t n, int64_t d, int32_t classes, const char* what) {
  if (n <= 0 || d <= 0 || classes <= 0) throw ArgumentError(std::string(what) + " needs rows, columns and classes");
  if (n >= INT_MAX || d >= INT_MAX || int64_t(classes) * d >= INT_MAX)
    throw ResourceError(std::string(what) + ": " + std::to_string(n) + " x " + std::to_string(d) + " with " +
                        std::to_string(classes) + " classes is beyond cuBLAS's 32-bit sizes; use --device cpu");
}

// The kernels index a row's logits by its label: every label in [0, classes),
// checked before anything is uploaded.
void check_labels(const int32_t* y, int64_t n, int32_t classes) {
  for (int64_t r = 0; r < n; ++r)
    if (y[r] < 0 || y[r] >= classes)
      throw ArgumentError("GPU softmax regression: label " + std::to_string(y[r]) + " of row " + std::to_string(r) +
                          " outside [0, " + std::to_string(classes) + ")");
}

}  // namespace

struct SoftmaxObjective::State {
  int64_t n = 0, d = 0;
  int32_t c = 0;
  const float* x = nullptr;  // owned_x, or rows of shared_x
  Buffer<float> owned_x, theta, grad, z;
  HeadSplit split;        // chunks == 1: one GEMM and one GEMV (of P^T and `ones`)
  Buffer<float> ones;     // not split
  Buffer<float> partial;  // split: each chunk's gradient, laid out as grad
  std::shared_ptr<const DeviceRows> shared_x;
  Buffer<int32_t> y;
  Buffer<double> nll, loss;
};

SoftmaxObjective::SoftmaxObjective(const float* x, int64_t n, int64_t d, const int32_t* y, int32_t classes)
    : state_(std::make_unique<State>()) {
  require_blas_sizes(n, d, classes, "GPU softmax regression");
  check_labels(y, n, classes);
  require_device_memory(4.0 * double(n) * double(d),
                        "training on " + std::to_string(n) + " x " + std::to_string(d) + " features on the GPU");
  state_->owned_x = Buffer<float>(x, size_t(n * d), "uploading the training features");
  init(state_->owned_x.get(), n, d, y, classes);
}

SoftmaxObjective::SoftmaxObjective(std::shared_ptr<const DeviceRows> x, int64_t row0, int64_t n, const int32_t* y,
                                   int32_t classes)
    : state_(std::make_unique<State>()) {
  require_blas_sizes(n, x->cols(), classes, "GPU softmax regression");
  check_labels(y, n, classes);
  init(rows_of(*x, row0, n, "GPU softmax regression"), n, x->cols(), y, classes);
  state_->shared_x = std::move(x);
}

void SoftmaxObjective::init(const float* x, int64_t n, int64_t d, const int32_t* y, int32_t classes) {
  State& s = *state_;
  s.n = n;
  s.d = d;
  s.c = classes;
  s.x = x;
  const size_t params = size_t(d * classes + classes);
  if (env_switch("SGC_GPU_HEAD_SPLIT")) s.split = split_head_rows(n, multiprocessors());
  require_device_memory(4.0 * double(n) * classes + 16.0 * double(n) + 8.0 * double(params) +
                            4.0 * double(s.split.chunks > 1 ? s.split.chunks : 0) * double(params),
                        "training on " + std::to_string(n) + " x " + std::to_string(d) + " features on the GPU");
  s.y = Buffer<int32_t>(y, size_t(n), "uploading the training labels");
  s.theta = Buffer<float>(params, "allocating the parameters");
  s.grad = Buffer<float>(params, "allocating the gradient");
  s.z = Buffer<float>(size_t(n) * classes, "allocating the logits");
  s.nll = Buffer<double>(size_t(n), "allocating the row losses");
  s.loss = Buffer<double>(1, "allocating the loss");
  if (s.split.chunks > 1) {
    s.partial = Buffer<float>(size_t(s.split.chunks) * params, "allocating the chunks' gradients");
  } else {
    s.ones = Buffer<float>(size_t(n), "allocating a ones vector");
    fill_kernel<<<blocks_for(n), kThreads>>>(s.ones.get(), 1.0f, n);
    launched("filling a ones vector");
  }
}

SoftmaxObjective::~SoftmaxObjective() = default;

double SoftmaxObjective::loss_grad(const float* theta, float* grad) {
  State& s = *state_;
  const int n = int(s.n), d = int(s.d), c = s.c;
  const size_t params = size_t(s.d) * c + c;
  cublasHandle_t h = handles().blas;
  check(cudaMemcpy(s.theta.get(), theta, params * sizeof(float), cudaMemcpyHostToDevice), "uploading theta");
  const float one = 1.0f, zero = 0.0f, inv_n = float(1.0 / double(n));
  const float* w = s.theta.get();
  const float* b = s.theta.get() + size_t(d) * c;
  // Column-major views of the row-major buffers: X is d x n (ld d), W and Z are c x d and c x n (ld c).
  check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, c, n, d, &one, w, c, s.x, d, &zero, s.z.get(), c), "X W");
  softmax_rows_kernel<<<blocks_for(n), kThreads>>>(s.z.get(), b, s.y.get(), n, c, s.nll.get());
  launched("the softmax rows");
  if (s.split.chunks > 1) {
    // Chunk k's rows [k r, (k + 1) r) are columns of the c x n and d x n views.
    const int64_t rows = s.split.chunk_rows, full = s.n / rows, rest = s.n - full * rows;
    const int64_t stride = int64_t(params);
    float* part = s.partial.get();
    if (full > 0)
      check(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_T, c, d, int(rows), &one, s.z.get(), c,
                                      (long long)(rows * c), s.x, d, (long long)(rows * d), &zero, part, c,
                                      (long long)stride, int(full)),
            "X^T P by chunks");
    if (rest > 0)
      check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, c, d, int(rest), &one, s.z.get() + full * rows * c, c,
                        s.x + full * rows * d, d, &zero, part + full * stride, c),
            "X^T P, the last chunk");
    chunk_column_sums_kernel<<<int(s.split.chunks), 128>>>(s.z.get(), s.n, c, rows, part, stride, int64_t(d) * c);
    launched("P^T 1 by chunks");
    sum_chunks_kernel<<<blocks_for(stride), kThreads>>>(part, s.split.chunks, stride, 1.0 / double(n), s.grad.get());
    launched("adding the chunks' gradients");
  } else {
    check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, c, d, n, &inv_n, s.z.get(), c, s.x, d, &zero, s.grad.get(), c),
          "X^T P");
    check(cublasSgemv(h, CUBLAS_OP_N, c, n, &inv_n, s.z.get(), c, s.ones.get(), 1, &zero,
                      s.grad.get() + size_t(d) * c, 1),
          "P^T 1");
  }
  sum_kernel<<<1, kSumThreads>>>(s.nll.get(), s.n, s.loss.get());
  launched("summing the loss");
  double total = 0;
  check(cudaMemcpy(grad, s.grad.get(), params * sizeof(float), cudaMemcpyDeviceToHost), "copying the gradient back");
  check(cudaMemcpy(&total, s.loss.get(), sizeof total, cudaMemcpyDeviceToHost), "copying the loss back");
  return total / double(n);
}

void device_logits(const DeviceRows& x, int64_t row0, int64_t n, const float* theta, int32_t classes, float* out) {
  require_blas_sizes(n, x.cols(), classes, "GPU logits");
  const float* rows = rows_of(x, row0, n, "GPU logits");
  const int64_t d = x.cols();
  require_device_memory(4.0 * double(n) * classes + 4.0 * double(d + 1) * classes,
                        "the logits of " + std::to_string(n) + " rows on the GPU");
  const Buffer<float> params(theta, size_t((d + 1) * classes), "uploading theta");
  Buffer<float> z(size_t(n) * classes, "allocating the logits");
  const float one = 1.0f, zero = 0.0f;
  // Column-major views of the row-major buffers, as in loss_grad: Z (c x n) = W (c x d) X (d x n).
  check(cublasSgemm(handles().blas, CUBLAS_OP_N, CUBLAS_OP_N, classes, int(n), int(d), &one, params.get(), classes,
                    rows, int(d), &zero, z.get(), classes),
        "X W");
  add_bias_kernel<<<blocks_for(n * classes), kThreads>>>(z.get(), params.get() + d * classes, n, classes);
  launched("adding the intercept");
  copy_to_host(out, z.get(), size_t(n) * classes * sizeof(float), "copying the logits back");
}

}  // namespace sgc::cuda

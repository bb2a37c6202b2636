#include "sgc/model/acm_steps.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <type_traits>

#include "sgc/error.h"
#include "sgc/graph/reorder.h"
#include "sgc/model/acm_team.h"

namespace sgc {

namespace {

constexpr double kEps = 1e-6;    // inside the square root of the row norm, as the authors'
constexpr int64_t kBlock = 64;   // rows per partial sum of the metric gradient, and the unit of the thread split
// Work (non-zeros of S times lanes) from which the steps run on several
// threads: below it one step is a few microseconds and a barrier per step
// costs more than it saves.
constexpr int64_t kParallelWork = int64_t(1) << 15;

// Raw CSR arrays: the hot loops then keep them in registers.
struct Sp {
  const int64_t* indptr;
  const int32_t* indices;
  const float* values;
};
Sp raw(const CsrMatrix& a) { return {a.indptr.data(), a.indices.data(), a.values.data()}; }

// acc = row i of a times x (rows of w lanes), summed in CSR order. L > 0 is w
// known at compile time (the lane loops are unrolled and vectorised).
template <int L, class A, class X>
inline void gather_row(const Sp& a, int64_t i, const X* __restrict x, int64_t w, A* __restrict acc) {
  if constexpr (L > 0) w = L;
  A local[L > 0 ? L : 1];
  A* sum = L > 0 ? local : acc;  // in registers when the width is known
  for (int64_t j = 0; j < w; ++j) sum[j] = 0;
  for (int64_t e = a.indptr[i]; e < a.indptr[i + 1]; ++e) {
    const A v = A(a.values[e]);
    const X* in = x + int64_t(a.indices[e]) * w;
    for (int64_t j = 0; j < w; ++j) sum[j] += v * A(in[j]);
  }
  if constexpr (L > 0)
    for (int64_t j = 0; j < w; ++j) acc[j] = sum[j];
}

// Rows i of a times x1 and of a times x2 in one pass over the row's
// non-zeros (its indices and values are read once for both): each sum as
// gather_row's, bit for bit.
template <int L, class T>
inline void gather_row2(const Sp& a, int64_t i, const T* __restrict x1, const T* __restrict x2, int64_t w,
                        T* __restrict acc1, T* __restrict acc2) {
  if constexpr (L > 0) {
    T s1[L], s2[L];
    for (int j = 0; j < L; ++j) s1[j] = s2[j] = 0;
    for (int64_t e = a.indptr[i]; e < a.indptr[i + 1]; ++e) {
      const T v = T(a.values[e]);
      const int64_t at = int64_t(a.indices[e]) * L;
      for (int j = 0; j < L; ++j) {
        s1[j] += v * x1[at + j];
        s2[j] += v * x2[at + j];
      }
    }
    for (int j = 0; j < L; ++j) {
      acc1[j] = s1[j];
      acc2[j] = s2[j];
    }
  } else {
    gather_row<0>(a, i, x1, w, acc1);
    gather_row<0>(a, i, x2, w, acc2);
  }
}

// sum_j term(j) over the w lanes: as a pairwise tree when the width L is
// known (lanes j and j + L/2 first, the order in which vector registers add,
// so that it vectorises; the order is fixed here, not by the ISA), else in
// lane order.
template <int L, class A, class F>
inline A lane_sum(F term, int64_t w) {
  if constexpr (L > 0) {
    A t[L];
    for (int j = 0; j < L; ++j) t[j] = term(j);
    for (int h = L / 2; h >= 1; h /= 2)
      for (int j = 0; j < h; ++j) t[j] += t[j + h];
    return t[0];
  } else {
    A sum = 0;
    for (int64_t j = 0; j < w; ++j) sum += term(j);
    return sum;
  }
}

// The products of a block of rows are formed first and projected after, in a
// second loop over the block (still in L1): a row's projection is a chain of
// dependent operations (the sum over the lanes, the square root, the
// division) and, apart from the products, several rows' chains overlap.

// Forward projection of rows [first, last) of u, in place:
// u_i /= r_i, r_i = sqrt(sum_c w_c u_ic^2 + eps); 1 / r_i into inv_r when given.
// A zero row (its whole neighbourhood's features dropped out, e.g. a small
// component) stays zero, and its 1 / r_i is recorded as 0, not 1 / sqrt(eps):
// the gradient through it (1000x per step, 2^1189 at K = 120) reaches neither
// W (its rows of X are zero) nor w (its z^2 is zero), but would set the scale
// of every backward sweep and push the other rows' gradients below float's range.
template <int L, class T>
inline void project_rows(int64_t first, int64_t last, T* __restrict u, const T* __restrict metric, int64_t w,
                         T* __restrict inv_r) {
  if constexpr (L > 0) w = L;
  for (int64_t i = first; i < last; ++i) {
    T* ui = u + i * w;
    const T q = lane_sum<L, T>([&](int64_t j) { return metric[j] * ui[j] * ui[j]; }, w);
    const T inv = q > 0 ? T(1) / std::sqrt(q + T(kEps)) : T(0);
    if (inv_r) inv_r[i] = inv;
    for (int64_t j = 0; j < w; ++j) ui[j] *= inv;
  }
}

// Back through the projection of rows [first, last), the incoming gradient
// scaled by `scale` (a power of two) on reading: with g_i = scale g_in_i and
// s_i = <g_i, z_i>,
//   du_i = (g_i - w z_i s_i) / r_i   (du may be g_in: in place),
//   part += -1/2 sum_i s_i z_i^2     (dL/dw's share of the rows, summed in row order),
// and returns max(peak, sum_i |du_i|^2) (to scale the next sweep by).
template <int L, class T, class G>
inline T unproject_rows(int64_t first, int64_t last, const G* g_in, T scale, const T* __restrict z,
                        const T* __restrict inv_r, const T* __restrict metric, int64_t w, T* du, T* __restrict part,
                        T peak) {
  if constexpr (L > 0) w = L;
  T n2 = 0;
  T sum[L > 0 ? L : 1], sq[L > 0 ? L : 1], g[L > 0 ? L : 1], d[L > 0 ? L : 1];
  if constexpr (L > 0)
    for (int64_t j = 0; j < w; ++j) sum[j] = sq[j] = 0;
  for (int64_t i = first; i < last; ++i) {
    const T* zi = z + i * w;
    const G* gi = g_in + i * w;
    T* di = du + i * w;
    if constexpr (L > 0) {  // in registers: writing du (maybe g_in itself) does not reload g
      for (int64_t j = 0; j < w; ++j) g[j] = T(gi[j]) * scale;
      const T s = lane_sum<L, T>([&](int64_t j) { return g[j] * zi[j]; }, w);
      const T inv = inv_r[i];
      for (int64_t j = 0; j < w; ++j) {
        d[j] = (g[j] - metric[j] * zi[j] * s) * inv;
        sum[j] -= T(0.5) * s * zi[j] * zi[j];
      }
      for (int64_t j = 0; j < w; ++j) {
        di[j] = d[j];
        sq[j] += d[j] * d[j];
      }
    } else {
      const T s = lane_sum<L, T>([&](int64_t j) { return T(gi[j]) * scale * zi[j]; }, w);
      const T inv = inv_r[i];
      for (int64_t j = 0; j < w; ++j) {
        const T gj = T(gi[j]) * scale;
        di[j] = (gj - metric[j] * zi[j] * s) * inv;
        part[j] -= T(0.5) * s * zi[j] * zi[j];
        n2 += di[j] * di[j];
      }
    }
  }
  if constexpr (L > 0) {
    for (int64_t j = 0; j < w; ++j) part[j] += sum[j];
    n2 = lane_sum<L, T>([&](int64_t j) { return sq[j]; }, w);
  }
  return std::max(peak, n2);
}

// The binary exponent e of m (m = f 2^e, 0.5 <= f < 1); 0 for 0 or non-finite m.
int exponent_of(double m) {
  int e = 0;
  if (m > 0 && std::isfinite(m)) std::frexp(m, &e);
  return std::clamp(e, -100, 100);
}

// Rows [first, last) of the thread `t` of `threads`: whole blocks, split so
// that each thread has about the same work (block_cost: prefix sums).
AcmRows thread_rows(const std::vector<int64_t>& block_cost, int64_t n, int t, int threads) {
  const int64_t blocks = int64_t(block_cost.size()) - 1;
  auto boundary = [&](int u) -> int64_t {
    if (u <= 0) return 0;
    if (u >= threads) return blocks;
    const int64_t target = int64_t((unsigned __int128)block_cost.back() * unsigned(u) / unsigned(threads));
    return std::lower_bound(block_cost.begin(), block_cost.end(), target) - block_cost.begin();
  };
  return {std::min(n, boundary(t) * kBlock), std::min(n, boundary(t + 1) * kBlock)};
}

// Calls f(std::integral_constant<int, L>) with L = lanes for the usual
// widths, else L = 0 (lanes read at run time).
template <class F>
void with_lanes(int64_t lanes, F&& f) {
  switch (lanes) {
    case 4: return f(std::integral_constant<int, 4>{});
    case 8: return f(std::integral_constant<int, 8>{});
    case 16: return f(std::integral_constant<int, 16>{});
    default: return f(std::integral_constant<int, 0>{});
  }
}

}  // namespace

int64_t acm_lanes(int64_t classes) {
  if (classes <= 4) return 4;
  if (classes <= 8) return 8;
  return (classes + 7) / 8 * 8;
}

template <class T>
void AcmBuffer<T>::reserve(size_t n) {
  if (n <= n_) return;
  const size_t bytes = (std::max<size_t>(n, 1) * sizeof(T) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, bytes);  // and the pages are touched here, once
  p_.reset(static_cast<T*>(p));
  n_ = n;
}

template <class T>
void AcmBuffer<T>::reserve_zero(size_t n) {
  if (n <= n_) {
    std::fill(p_.get(), p_.get() + n, T(0));
    return;
  }
  reserve(n);
}

template <class T>
AcmSteps<T>::AcmSteps(const CsrMatrix& s, int64_t classes, int k)
    : n_(s.rows), classes_(classes), lanes_(acm_lanes(classes)), k_(k) {
  if (s.rows != s.cols || classes < 1 || k < 0) throw ArgumentError("acm: S must be square, C >= 1 and K >= 0");
  order_ = reverse_cuthill_mckee(s);
  s_ = permute_symmetric(s, order_);
  pos_.resize(order_.size());
  for (size_t i = 0; i < order_.size(); ++i) pos_[size_t(order_[i])] = int32_t(i);
  const int64_t blocks = (n_ + kBlock - 1) / kBlock;
  block_cost_.assign(size_t(blocks) + 1, 0);
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t first = b * kBlock, last = std::min(n_, first + kBlock);
    block_cost_[size_t(b) + 1] = block_cost_[size_t(b)] + (s_.indptr[last] - s_.indptr[first]) + (last - first);
  }
}

template <class T>
T* AcmSteps<T>::z(int step) {
  return z_.data() + size_t(traced_ ? step : step % 2) * size_t(n_ * lanes_);
}

template <class T>
bool AcmSteps<T>::parallel() const {
  return omp_get_max_threads() > 1 && s_.nnz() * lanes_ >= kParallelWork;
}

template <class T>
void AcmSteps<T>::forward(const CsrMatrix& x, const T* w_in, const T* metric, bool trace) {
  run_forward(x, nullptr, w_in, metric, trace);
}

template <class T>
void AcmSteps<T>::forward_and_evaluate(const CsrMatrix& x, const CsrMatrix& x_eval, const T* w_in, const T* metric) {
  run_forward(x, &x_eval, w_in, metric, true);
}

template <class T>
void AcmSteps<T>::run_forward(const CsrMatrix& x, const CsrMatrix* x2, const T* w_in, const T* metric, bool trace) {
  if (x.rows != n_ || (x2 && (x2->rows != n_ || x2->cols != x.cols)))
    throw ArgumentError("acm: X and S have different row counts");
  const int64_t l = lanes_, c = classes_, f = x.cols;
  w_in_.reserve_zero(size_t(f * l));
  for (int64_t i = 0; i < f; ++i) std::copy(w_in + i * c, w_in + (i + 1) * c, w_in_.data() + i * l);
  metric_.reserve_zero(size_t(l));
  std::copy(metric, metric + c, metric_.data());
  traced_ = trace;
  z_.reserve(size_t(trace ? k_ + 1 : 2) * size_t(n_ * l));
  if (trace) r_.reserve(size_t(k_) * size_t(n_));
  if (x2) e_.reserve(size_t(2 * n_ * l));
  const Sp sp = raw(s_), xp = raw(x), xp2 = x2 ? raw(*x2) : Sp{};
  const AcmTeam::Pass pass = x2 ? AcmTeam::kPair : trace ? AcmTeam::kForwardTrace : AcmTeam::kForward;
  const bool par = team_.choose(pass, parallel());
  team_.begin(pass, par, k_ + 1);
  with_lanes(l, [&](auto lanes) {
    constexpr int L = decltype(lanes)::value;
#pragma omp parallel if (par)
    {
      AcmRows rows = thread_rows(block_cost_, n_, omp_get_thread_num(), omp_get_num_threads());
      bool solo = false;
      T* z0 = z(0);
      for (int64_t i = rows.first; i < rows.last; ++i) gather_row<L>(xp, order_[i], w_in_.data(), l, z0 + i * l);
      if (x2)
        for (int64_t i = rows.first; i < rows.last; ++i)
          gather_row<L>(xp2, order_[i], w_in_.data(), l, e_.data() + i * l);
      for (int step = 1; step <= k_; ++step) {
        if (!team_.boundary(step, solo, rows, {0, n_})) break;
        const T* in = z(step - 1);
        T* out = z(step);
        T* inv_r = trace ? r_.data() + size_t(step - 1) * size_t(n_) : nullptr;
        if (x2) {
          const T* in2 = e_.data() + size_t((step - 1) % 2) * size_t(n_ * l);
          T* out2 = e_.data() + size_t(step % 2) * size_t(n_ * l);
          for (int64_t first = rows.first; first < rows.last; first += kBlock) {
            const int64_t last = std::min(rows.last, first + kBlock);
            for (int64_t i = first; i < last; ++i) gather_row2<L>(sp, i, in, in2, l, out + i * l, out2 + i * l);
            project_rows<L>(first, last, out, metric_.data(), l, inv_r);
            project_rows<L>(first, last, out2, metric_.data(), l, static_cast<T*>(nullptr));
          }
        } else {
          for (int64_t first = rows.first; first < rows.last; first += kBlock) {
            const int64_t last = std::min(rows.last, first + kBlock);
            for (int64_t i = first; i < last; ++i) gather_row<L>(sp, i, in, l, out + i * l);
            project_rows<L>(first, last, out, metric_.data(), l, inv_r);
          }
        }
      }
    }
  });
  team_.end();
}

template <class T>
double* AcmSteps<T>::clear_gradient() {
  g_in_.reserve_zero(size_t(n_ * lanes_));
  return g_in_.data();
}

template <class T>
int AcmSteps<T>::backward(const CsrMatrix& x, const T* metric, double* grad_w_in, double* grad_metric) {
  if (!traced_) throw ArgumentError("acm: backward() needs a forward pass with its trace");
  if (x.rows != n_) throw ArgumentError("acm: X and S have different row counts");
  const int64_t l = lanes_, c = classes_, blocks = (n_ + kBlock - 1) / kBlock;
  metric_.reserve_zero(size_t(l));
  std::copy(metric, metric + c, metric_.data());
  partial_.reserve_zero(size_t(blocks * l));
  g_[0].reserve(size_t(n_ * l));
  g_[1].reserve(size_t(n_ * l));
  if (k_ > 0) {  // dL/dZ_K in the engine's order (|values| <= 1 from a mean cross-entropy: not scaled)
    g_perm_.reserve(size_t(n_ * l));
    for (int64_t i = 0; i < n_; ++i)
      std::copy(g_in_.data() + int64_t(order_[i]) * l, g_in_.data() + int64_t(order_[i] + 1) * l,
                g_perm_.data() + i * l);
  }
  peak_.reserve_zero(size_t(2 * blocks));
  const Sp sp = raw(s_);
  const bool par = team_.choose(AcmTeam::kBackward, k_ > 0 && parallel());
  team_.begin(AcmTeam::kBackward, par, k_ + 1);
  int exponent = 0;  // the gradient is the stored values times 2^exponent
  if (k_ > 0) with_lanes(l, [&](auto lanes) {
    constexpr int L = decltype(lanes)::value;
#pragma omp parallel if (par)
    {
      AcmRows rows = thread_rows(block_cost_, n_, omp_get_thread_num(), omp_get_num_threads());
      bool solo = false;
      // Every sweep scales what it reads by 2^-m, m the exponent of the
      // largest norm of a block of rows that the previous sweep wrote (peaks
      // of parity p: the same m on every thread, whoever wrote which block),
      // so that the values stay near 1 however far the gradient grows.
      // Powers of two scale exactly: the result is the unscaled one's,
      // without its overflow.
      double* peaks = peak_.data();
      int p = 0, e = 0;
      std::vector<T> part(static_cast<size_t>(l));
      // dL/dw's partial sums are kept in the current scale too (times 2^-e),
      // rescaled at every boundary, so that they cannot overflow either.
      auto sweep_block = [&](int64_t first, T peak) {  // the block's dL/dw share (in double) and peak
        double* dst = partial_.data() + first / kBlock * l;
        for (int64_t j = 0; j < l; ++j) dst[j] += double(part[size_t(j)]);
        peaks[p * blocks + first / kBlock] = double(peak);
      };
      // dL/dU of step K from dL/dZ_K (g_perm_) into g_[1].
      {
        const T* inv_r = r_.data() + size_t(k_ - 1) * size_t(n_);
        for (int64_t first = rows.first; first < rows.last; first += kBlock) {
          std::fill(part.begin(), part.end(), T(0));
          const T peak = unproject_rows<L>(first, std::min(rows.last, first + kBlock), g_perm_.data(), T(1), z(k_),
                                           inv_r, metric_.data(), l, g_[1].data(), part.data(), T(0));
          sweep_block(first, peak);
        }
      }
      // Step k: dL/dZ_{k-1} = S dL/dU_k, then on through step k - 1's
      // projection, block by block (at k = 1: dL/dZ_0, kept as it is).
      for (int step = k_, cur = 1; step >= 1; --step, cur ^= 1) {
        if (!team_.boundary(k_ - step + 1, solo, rows, {0, n_})) break;
        double top = 0;
        for (int64_t b = 0; b < blocks; ++b) top = std::max(top, peaks[p * blocks + b]);
        const int m = exponent_of(std::sqrt(top));
        const T scale = T(std::ldexp(1.0, -m));
        e += m;
        const double shrink = std::ldexp(1.0, -m);  // this thread's blocks, written before the barrier
        for (int64_t i = rows.first / kBlock * l; i < (rows.last + kBlock - 1) / kBlock * l; ++i)
          partial_.data()[i] *= shrink;
        p ^= 1;
        const T* du = g_[cur].data();
        T* out = g_[cur ^ 1].data();
        const T* zp = step > 1 ? z(step - 1) : nullptr;
        const T* inv_r = step > 1 ? r_.data() + size_t(step - 2) * size_t(n_) : nullptr;
        for (int64_t first = rows.first; first < rows.last; first += kBlock) {
          const int64_t last = std::min(rows.last, first + kBlock);
          for (int64_t i = first; i < last; ++i) gather_row<L>(sp, i, du, l, out + i * l);
          if (zp) {
            std::fill(part.begin(), part.end(), T(0));
            sweep_block(first, unproject_rows<L>(first, last, out, scale, zp, inv_r, metric_.data(), l, out,
                                                 part.data(), T(0)));
          } else {
            for (int64_t i = first * l; i < last * l; ++i) out[i] *= scale;
          }
        }
      }
      if (omp_get_thread_num() == 0) exponent = e;
    }
  });
  team_.end();
  // dL/dZ_0: dL/dZ_K itself at K = 0, else the last sweep's output (sweep m
  // of the K writes g_[m % 2]). dL/dW = X^T dL/dZ_0 on padded rows (serial:
  // each entry summed over the rows in order).
  const int64_t f = x.cols;
  grad_in_.reserve_zero(size_t(f * l));
  double* gp = grad_in_.data();
  auto transpose_product = [&](const auto* g0, const int32_t* row_of) {
    with_lanes(l, [&](auto lanes) {
      constexpr int L = decltype(lanes)::value;
      const int64_t w = L > 0 ? L : l;
      for (int64_t i = 0; i < x.rows; ++i) {
        const auto* __restrict gi = g0 + (row_of ? int64_t(row_of[i]) : i) * w;
        for (int64_t e = x.indptr[i]; e < x.indptr[i + 1]; ++e) {
          const double v = double(x.values[e]);
          double* __restrict out = gp + int64_t(x.indices[e]) * w;
          for (int64_t j = 0; j < w; ++j) out[j] += v * double(gi[j]);
        }
      }
    });
  };
  if (k_ == 0)
    transpose_product(g_in_.data(), nullptr);
  else
    transpose_product(g_[k_ % 2 == 1 ? 0 : 1].data(), pos_.data());
  for (int64_t i = 0; i < f; ++i)
    for (int64_t j = 0; j < c; ++j) grad_w_in[i * c + j] = gp[i * l + j];
  for (int64_t j = 0; j < c; ++j) {
    double sum = 0;
    for (int64_t b = 0; b < blocks; ++b) sum += partial_.data()[b * l + j];
    grad_metric[j] = sum;
  }
  return exponent;
}

template class AcmBuffer<float>;
template class AcmBuffer<double>;
template class AcmSteps<float>;
template class AcmSteps<double>;

}  // namespace sgc

// The softmax head's products (kernel_table.h: head_logits, head_add_outer),
// included by kernel_body.h inside its per-variant anonymous namespace.
//
// They are a GEMM's micro-kernels: a tile of results stays in vector
// registers while the reduction runs, so each load feeds several multiply-adds
// (a dot-product shape reloads both operands for every one).
//   logits  Z (m x w) = X W, W feature-major: a tile of R rows x NV class
//           vectors; each step k broadcasts x[r][k] for R rows and loads NV
//           vectors of W's row k (R NV multiply-adds for R + NV loads).
//   outer   G (d x w) += X^T P: a tile of R features x NV class vectors; each
//           row i broadcasts x[i][f] for R features and loads NV vectors of
//           P's row i.
// Summation order (fixed per variant, independent of m and of the tiling):
// a logit is the sum of per-block sums over k-blocks of kHeadKBlock features
// in order, each block summed in k order; a gradient entry adds the rows in
// order to its initial value (so one call on m rows equals m calls on one).
// AVX2 and AVX-512 fuse each multiply-add; the baseline variant rounds the
// product and the sum separately (x86-64's baseline has no FMA).

#if defined(__AVX512F__)
using hvec = __m512;
constexpr int kHeadV = 16, kHeadR = 8, kHeadNV = 3;  // 24 accumulators of 32 registers
inline hvec h_load(const float* p) { return _mm512_loadu_ps(p); }
inline void h_store(float* p, hvec v) { _mm512_storeu_ps(p, v); }
inline hvec h_set1(float s) { return _mm512_set1_ps(s); }
inline hvec h_zero() { return _mm512_setzero_ps(); }
inline hvec h_add(hvec a, hvec b) { return _mm512_add_ps(a, b); }
inline hvec h_fma(hvec a, hvec b, hvec c) { return _mm512_fmadd_ps(a, b, c); }
#elif defined(__AVX2__)
using hvec = __m256;
constexpr int kHeadV = 8, kHeadR = 6, kHeadNV = 2;  // 12 accumulators of 16 registers
inline hvec h_load(const float* p) { return _mm256_loadu_ps(p); }
inline void h_store(float* p, hvec v) { _mm256_storeu_ps(p, v); }
inline hvec h_set1(float s) { return _mm256_set1_ps(s); }
inline hvec h_zero() { return _mm256_setzero_ps(); }
inline hvec h_add(hvec a, hvec b) { return _mm256_add_ps(a, b); }
inline hvec h_fma(hvec a, hvec b, hvec c) { return _mm256_fmadd_ps(a, b, c); }
#else
// The compiler's generic vectors: SSE2 on x86-64, whatever the target has elsewhere.
typedef float hvec __attribute__((vector_size(16)));
constexpr int kHeadV = 4, kHeadR = 4, kHeadNV = 2;  // 8 accumulators of 16 registers
inline hvec h_load(const float* p) {
  hvec v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void h_store(float* p, hvec v) { __builtin_memcpy(p, &v, sizeof v); }
inline hvec h_set1(float s) { return hvec{s, s, s, s}; }
inline hvec h_zero() { return hvec{0.0f, 0.0f, 0.0f, 0.0f}; }
inline hvec h_add(hvec a, hvec b) { return a + b; }
inline hvec h_fma(hvec a, hvec b, hvec c) { return a * b + c; }
#endif

static_assert(kHeadPad % kHeadV == 0, "the head's column padding must be whole vectors of every variant");

// Features per block of a logit's sum (W's block of rows stays in L1), and
// rows per pass of either product (the rows' features stay in L2 between the
// k-blocks of the logits; P's rows in L1 between the feature tiles).
constexpr int64_t kHeadKBlock = 128;
constexpr int64_t kHeadRowBlock = 128;

// z[r][0 .. NV V) (=|+=) sum_{k0 <= k < k1} x[r][k] w[k][0 .. NV V) for r < R.
template <int R, int NV>
inline void logits_tile(const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t k0, int64_t k1, float* z,
                        int64_t ldz, bool first) {
  hvec acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = h_zero();
  for (int64_t k = k0; k < k1; ++k) {
    hvec wk[NV];
    for (int v = 0; v < NV; ++v) wk[v] = h_load(w + k * ldw + v * kHeadV);
    for (int r = 0; r < R; ++r) {
      const hvec b = h_set1(x[r * ldx + k]);
      for (int v = 0; v < NV; ++v) acc[r][v] = h_fma(b, wk[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) {
      float* o = z + r * ldz + v * kHeadV;
      h_store(o, first ? acc[r][v] : h_add(h_load(o), acc[r][v]));
    }
}

// The last rows < kHeadR of a block: one tile of exactly `rows` rows.
template <int R, int NV>
inline void logits_tail(int64_t rows, const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t k0, int64_t k1,
                        float* z, int64_t ldz, bool first) {
  if constexpr (R > 0) {
    if (rows == R) return logits_tile<R, NV>(x, ldx, w, ldw, k0, k1, z, ldz, first);
    logits_tail<R - 1, NV>(rows, x, ldx, w, ldw, k0, k1, z, ldz, first);
  }
}

template <int NV>
void logits_rows(const float* x, int64_t ldx, int64_t m, const float* w, int64_t ldw, int64_t k0, int64_t k1, float* z,
                 int64_t ldz, bool first) {
  int64_t i = 0;
  for (; i + kHeadR <= m; i += kHeadR) logits_tile<kHeadR, NV>(x + i * ldx, ldx, w, ldw, k0, k1, z + i * ldz, ldz, first);
  if (i < m) logits_tail<kHeadR - 1, NV>(m - i, x + i * ldx, ldx, w, ldw, k0, k1, z + i * ldz, ldz, first);
}

void head_logits(const float* x, int64_t ldx, int64_t m, int64_t d, const float* w, int64_t ldw, int64_t cols,
                 float* z, int64_t ldz) {
  if (d <= 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < cols; ++j) z[i * ldz + j] = 0.0f;
    return;
  }
  for (int64_t i0 = 0; i0 < m; i0 += kHeadRowBlock) {
    const int64_t mi = m - i0 < kHeadRowBlock ? m - i0 : kHeadRowBlock;
    const float* xi = x + i0 * ldx;
    float* zi = z + i0 * ldz;
    for (int64_t k0 = 0; k0 < d; k0 += kHeadKBlock) {
      const int64_t k1 = d - k0 < kHeadKBlock ? d : k0 + kHeadKBlock;
      for (int64_t j0 = 0; j0 < cols; j0 += kHeadNV * kHeadV) {
        const int64_t nv = (cols - j0) / kHeadV < kHeadNV ? (cols - j0) / kHeadV : kHeadNV;
        if (nv == kHeadNV) logits_rows<kHeadNV>(xi, ldx, mi, w + j0, ldw, k0, k1, zi + j0, ldz, k0 == 0);
        else if (nv == 2) logits_rows<2>(xi, ldx, mi, w + j0, ldw, k0, k1, zi + j0, ldz, k0 == 0);
        else logits_rows<1>(xi, ldx, mi, w + j0, ldw, k0, k1, zi + j0, ldz, k0 == 0);
      }
    }
  }
}

// g[f][0 .. NV V) += sum_{i < m, in order} x[i][f] p[i][0 .. NV V) for f < R.
template <int R, int NV>
inline void outer_tile(const float* x, int64_t ldx, int64_t m, const float* p, int64_t ldp, float* g, int64_t ldg) {
  hvec acc[R][NV];
  for (int f = 0; f < R; ++f)
    for (int v = 0; v < NV; ++v) acc[f][v] = h_load(g + f * ldg + v * kHeadV);
  for (int64_t i = 0; i < m; ++i) {
    hvec pi[NV];
    for (int v = 0; v < NV; ++v) pi[v] = h_load(p + i * ldp + v * kHeadV);
    const float* xi = x + i * ldx;
    for (int f = 0; f < R; ++f) {
      const hvec b = h_set1(xi[f]);
      for (int v = 0; v < NV; ++v) acc[f][v] = h_fma(b, pi[v], acc[f][v]);
    }
  }
  for (int f = 0; f < R; ++f)
    for (int v = 0; v < NV; ++v) h_store(g + f * ldg + v * kHeadV, acc[f][v]);
}

template <int R, int NV>
inline void outer_tail(int64_t feats, const float* x, int64_t ldx, int64_t m, const float* p, int64_t ldp, float* g,
                       int64_t ldg) {
  if constexpr (R > 0) {
    if (feats == R) return outer_tile<R, NV>(x, ldx, m, p, ldp, g, ldg);
    outer_tail<R - 1, NV>(feats, x, ldx, m, p, ldp, g, ldg);
  }
}

template <int NV>
void outer_features(const float* x, int64_t ldx, int64_t m, int64_t d, const float* p, int64_t ldp, float* g,
                    int64_t ldg) {
  int64_t f = 0;
  for (; f + kHeadR <= d; f += kHeadR) outer_tile<kHeadR, NV>(x + f, ldx, m, p, ldp, g + f * ldg, ldg);
  if (f < d) outer_tail<kHeadR - 1, NV>(d - f, x + f, ldx, m, p, ldp, g + f * ldg, ldg);
}

void head_add_outer(const float* x, int64_t ldx, int64_t m, int64_t d, const float* p, int64_t ldp, int64_t cols,
                    float* g, int64_t ldg) {
  for (int64_t i0 = 0; i0 < m; i0 += kHeadRowBlock) {
    const int64_t mi = m - i0 < kHeadRowBlock ? m - i0 : kHeadRowBlock;
    const float* xi = x + i0 * ldx;
    const float* pi = p + i0 * ldp;
    for (int64_t j0 = 0; j0 < cols; j0 += kHeadNV * kHeadV) {
      const int64_t nv = (cols - j0) / kHeadV < kHeadNV ? (cols - j0) / kHeadV : kHeadNV;
      if (nv == kHeadNV) outer_features<kHeadNV>(xi, ldx, mi, d, pi + j0, ldp, g + j0, ldg);
      else if (nv == 2) outer_features<2>(xi, ldx, mi, d, pi + j0, ldp, g + j0, ldg);
      else outer_features<1>(xi, ldx, mi, d, pi + j0, ldp, g + j0, ldg);
    }
  }
}

// exp(x) lane by lane for x <= 0 (the shifted logits): 2^n e^r with
// n = round(x / ln 2), r = x - n ln 2 in two parts and a degree-6 Taylor
// polynomial for e^r on |r| <= ln(2)/2 (within about 2 ulp of expf); 0 below -87.
typedef int32_t hveci __attribute__((vector_size(sizeof(hvec))));
inline hvec h_exp_nonpos(hvec x) {
  hvec xc = x;
  for (int l = 0; l < kHeadV; ++l) xc[l] = x[l] < -87.5f ? -87.5f : x[l];  // keeps 2^n normal
  const hvec shifter = h_set1(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const hvec n = (xc * h_set1(1.44269504088896341f) + shifter) - shifter;
  const hvec r = (xc - n * h_set1(0.693359375f)) - n * h_set1(-2.12194440e-4f);
  hvec p = h_set1(1.0f / 720.0f);
  p = p * r + h_set1(1.0f / 120.0f);
  p = p * r + h_set1(1.0f / 24.0f);
  p = p * r + h_set1(1.0f / 6.0f);
  p = p * r + h_set1(0.5f);
  p = p * r + h_set1(1.0f);
  p = p * r + h_set1(1.0f);
  hveci ni;
  for (int l = 0; l < kHeadV; ++l) ni[l] = int32_t(n[l]);
  const hveci bits = (ni + 127) << 23;  // 2^n
  hvec scale;
  __builtin_memcpy(&scale, &bits, sizeof scale);
  hvec out = p * scale;
  for (int l = 0; l < kHeadV; ++l) out[l] = x[l] < -87.0f ? 0.0f : out[l];
  return out;
}

// Each row of z (stride ldz, c <= ldz classes, ldz whole vectors): t = z + bias,
// mx = max t, e = exp(t - mx), s = sum e; the row becomes e / s minus the
// one-hot label (the summed loss's gradient in the logits), zero beyond c,
// and is added to bias_grad (rows in order); row_sum[i] = s and
// row_label[i] = t[label] - mx, so -log p(label) = log s - row_label[i].
void head_softmax(float* z, int64_t ldz, int64_t m, int64_t c, const float* bias, const int32_t* labels,
                  float* bias_grad, float* row_sum, float* row_label) {
  const int64_t nvec = ldz / kHeadV;
  for (int64_t i = 0; i < m; ++i) {
    float* t = z + i * ldz;
    for (int64_t j = 0; j < c; ++j) t[j] += bias[j];
    for (int64_t j = c; j < ldz; ++j) t[j] = -3.0e38f;  // exp -> 0
    hvec mxv = h_load(t);
    for (int64_t v = 1; v < nvec; ++v) {
      const hvec a = h_load(t + v * kHeadV);
      for (int l = 0; l < kHeadV; ++l) mxv[l] = a[l] > mxv[l] ? a[l] : mxv[l];
    }
    float mx = mxv[0];
    for (int l = 1; l < kHeadV; ++l) mx = mxv[l] > mx ? mxv[l] : mx;
    row_label[i] = t[labels[i]] - mx;
    const hvec mxb = h_set1(mx);
    hvec sv = h_zero();
    for (int64_t v = 0; v < nvec; ++v) {
      const hvec e = h_exp_nonpos(h_load(t + v * kHeadV) - mxb);
      h_store(t + v * kHeadV, e);
      sv = sv + e;
    }
    float s = 0.0f;
    for (int l = 0; l < kHeadV; ++l) s += sv[l];
    row_sum[i] = s;
    const hvec inv = h_set1(1.0f / s);
    for (int64_t v = 0; v < nvec; ++v) h_store(t + v * kHeadV, h_load(t + v * kHeadV) * inv);
    t[labels[i]] -= 1.0f;
    for (int64_t j = 0; j < c; ++j) bias_grad[j] += t[j];
  }
}

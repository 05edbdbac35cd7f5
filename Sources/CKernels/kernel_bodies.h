// The kernels' bodies, written once on 16-lane vectors (GCC/Clang vector extensions) and
// included by ckernels.c once per instruction set, each time under a `#pragma clang attribute`
// that gives every function its target; K(name) appends the ISA to each name.
//
// The arithmetic is FastMath's (Kernels/Activations.swift): the same exp polynomial and range
// handling; where the target has FMA the compiler may fuse a·b + c, which changes results by an
// ulp or so (tests compare every path against the naive references).

static inline __attribute__((always_inline)) vf K(load)(const float *p, int64_t n, float fill) {
  vf v;
  if (n >= 16) {
    __builtin_memcpy(&v, p, sizeof v);
  } else {
    for (int l = 0; l < 16; l++) v[l] = l < n ? p[l] : fill;
  }
  return v;
}

static inline __attribute__((always_inline)) void K(store)(float *p, vf v, int64_t n) {
  if (n >= 16) {
    __builtin_memcpy(p, &v, sizeof v);
  } else {
    for (int l = 0; l < n; l++) p[l] = v[l];
  }
}

static inline __attribute__((always_inline)) vf K(splat)(float x) { return (vf){0} + x; }

/// a where mask lanes are set (all ones), else b.
static inline __attribute__((always_inline)) vf K(select)(vi mask, vf a, vf b) { return (vf)(((vi)a & mask) | ((vi)b & ~mask)); }

/// e^x: x = n·ln2 + r, a degree-6 polynomial for e^r, 2^n from exponent bits; 0 below −87.3,
/// the input clamped above 88.3 (as FastMath.exp).
static inline __attribute__((always_inline)) vf K(exp)(vf x) {
  vi underflow = x < -87.3f;
  x = K(select)(x > 88.3f, K(splat)(88.3f), x);
  x = K(select)(underflow, K(splat)(-87.3f), x);
  const vf magic = K(splat)(12582912.0f);
  vf shifted = x * 1.44269504f + magic;
  vf n = shifted - magic;
  vf r = x - n * 0.693359375f - n * -2.12194440e-4f;
  vf p = K(splat)(1.98756915e-4f);
  p = p * r + 1.39819995e-3f;
  p = p * r + 8.3334519e-3f;
  p = p * r + 4.16657959e-2f;
  p = p * r + 1.66666655e-1f;
  p = p * r + 5.00000012e-1f;
  vf er = p * (r * r) + r + 1.0f;
  vi bits = ((vi)shifted - (vi)magic + 127) << 23;
  vf result = er * (vf)bits;
  return (vf)((vi)result & ~underflow);
}

static inline __attribute__((always_inline)) vf K(sigmoid)(vf x) { return 1.0f / (1.0f + K(exp)(-x)); }

static inline __attribute__((always_inline)) vf K(tanh)(vf x) { return 1.0f - 2.0f / (K(exp)(x + x) + 1.0f); }

static void K(lstm_forward)(float *gates, const float *bias_table, const int32_t *bias_rows, const float *c_prev,
                            float *c, float *h, int64_t batch, int64_t H) {
  for (int64_t b = 0; b < batch; b++) {
    float *g = gates + b * 4 * H;
    const float *bias = bias_rows ? bias_table + (int64_t)bias_rows[b] * 4 * H : bias_table;
    int64_t row = b * H;
    for (int64_t j = 0; j < H; j += 16) {
      int64_t n = H - j < 16 ? H - j : 16;
      vf i = K(sigmoid)(K(load)(g + j, n, 0) + K(load)(bias + j, n, 0));
      vf f = K(sigmoid)(K(load)(g + H + j, n, 0) + K(load)(bias + H + j, n, 0));
      vf gg = K(tanh)(K(load)(g + 2 * H + j, n, 0) + K(load)(bias + 2 * H + j, n, 0));
      vf o = K(sigmoid)(K(load)(g + 3 * H + j, n, 0) + K(load)(bias + 3 * H + j, n, 0));
      vf c_new = f * K(load)(c_prev + row + j, n, 0) + i * gg;
      K(store)(g + j, i, n);
      K(store)(g + H + j, f, n);
      K(store)(g + 2 * H + j, gg, n);
      K(store)(g + 3 * H + j, o, n);
      K(store)(c + row + j, c_new, n);
      K(store)(h + row + j, o * K(tanh)(c_new), n);
    }
  }
}

static void K(lstm_backward)(const float *gates, const float *c_prev, const float *c, const float *dh, float *dc,
                             float *d_gates, int64_t batch, int64_t H) {
  for (int64_t b = 0; b < batch; b++) {
    const float *g = gates + b * 4 * H;
    float *dg = d_gates + b * 4 * H;
    int64_t row = b * H;
    for (int64_t j = 0; j < H; j += 16) {
      int64_t n = H - j < 16 ? H - j : 16;
      vf i = K(load)(g + j, n, 0), f = K(load)(g + H + j, n, 0);
      vf gg = K(load)(g + 2 * H + j, n, 0), o = K(load)(g + 3 * H + j, n, 0);
      vf tc = K(tanh)(K(load)(c + row + j, n, 0));
      vf dhv = K(load)(dh + row + j, n, 0);
      vf dcv = K(load)(dc + row + j, n, 0) + dhv * o * (1.0f - tc * tc);
      K(store)(dg + j, dcv * gg * i * (1.0f - i), n);
      K(store)(dg + H + j, dcv * K(load)(c_prev + row + j, n, 0) * f * (1.0f - f), n);
      K(store)(dg + 2 * H + j, dcv * i * (1.0f - gg * gg), n);
      K(store)(dg + 3 * H + j, dhv * tc * o * (1.0f - o), n);
      K(store)(dc + row + j, dcv * f, n);
    }
  }
}

static void K(adam)(float *p, const float *g, float *m, float *v, int64_t count, float b1, float b2, float step_size,
                    float inverse_correction2, float eps) {
  for (int64_t j = 0; j < count; j += 16) {
    int64_t n = count - j < 16 ? count - j : 16;
    vf gv = K(load)(g + j, n, 0);
    vf mv = b1 * K(load)(m + j, n, 0) + (1 - b1) * gv;
    vf vv = b2 * K(load)(v + j, n, 0) + (1 - b2) * gv * gv;
    // One vector square root (correctly rounded, as sqrtf): a per-lane __builtin_sqrtf compiled
    // to scalar sqrtf calls (errno), and Adam ran at a third of its speed (0.48 ms a step for
    // 1×256's 350k parameters on a Zen 5, 0.1 ms after).
    vf root = __builtin_elementwise_sqrt(vv);
    K(store)(p + j, K(load)(p + j, n, 0) - step_size * mv / (root * inverse_correction2 + eps), n);
    K(store)(m + j, mv, n);
    K(store)(v + j, vv, n);
  }
}

static double K(sum_of_squares)(const float *x, int64_t count) {
  double total = 0;
  for (int64_t j = 0; j < count; j += 16) {
    int64_t n = count - j < 16 ? count - j : 16;
    vf v = K(load)(x + j, n, 0);
    v = v * v;
    float block = 0;
    for (int l = 0; l < 16; l++) block += v[l];
    total += block;
  }
  return total;
}

static float K(row_max)(const float *x, int64_t count) {
  vf m = K(splat)(-__builtin_inff());
  for (int64_t j = 0; j < count; j += 16) {
    int64_t n = count - j < 16 ? count - j : 16;
    vf v = K(load)(x + j, n, -__builtin_inff());
    m = K(select)(v > m, v, m);
  }
  float best = m[0];
  for (int l = 1; l < 16; l++) best = m[l] > best ? m[l] : best;
  return best;
}

static double K(exp_shifted)(float *x, int64_t count, float shift) {
  double total = 0;
  for (int64_t j = 0; j < count; j += 16) {
    int64_t n = count - j < 16 ? count - j : 16;
    vf e = K(exp)(K(load)(x + j, n, 0) - shift);
    K(store)(x + j, e, n);
    float block = 0;
    for (int l = 0; l < n; l++) block += e[l];
    total += block;
  }
  return total;
}

static void K(gru_forward)(float *gx_all, float *gh_all, const float *b_ih, const float *b_hh, const float *h_prev,
                           float *h, int64_t batch, int64_t H) {
  for (int64_t b = 0; b < batch; b++) {
    float *gx = gx_all + b * 3 * H, *gh = gh_all + b * 3 * H;
    int64_t row = b * H;
    for (int64_t j = 0; j < H; j += 16) {
      int64_t n = H - j < 16 ? H - j : 16;
      vf r = K(sigmoid)(K(load)(gx + j, n, 0) + K(load)(b_ih + j, n, 0) + K(load)(gh + j, n, 0) +
                        K(load)(b_hh + j, n, 0));
      vf z = K(sigmoid)(K(load)(gx + H + j, n, 0) + K(load)(b_ih + H + j, n, 0) + K(load)(gh + H + j, n, 0) +
                        K(load)(b_hh + H + j, n, 0));
      vf hn = K(load)(gh + 2 * H + j, n, 0) + K(load)(b_hh + 2 * H + j, n, 0);
      vf cand = K(tanh)(K(load)(gx + 2 * H + j, n, 0) + K(load)(b_ih + 2 * H + j, n, 0) + r * hn);
      vf hp = K(load)(h_prev + row + j, n, 0);
      K(store)(gx + j, r, n);
      K(store)(gx + H + j, z, n);
      K(store)(gx + 2 * H + j, cand, n);
      K(store)(gh + 2 * H + j, hn, n);
      K(store)(h + row + j, (1.0f - z) * cand + z * hp, n);
    }
  }
}

static void K(gru_backward)(const float *gx_all, const float *gh_all, const float *h_prev, const float *dh,
                            float *dx_all, float *dhh_all, float *dh_prev, int64_t batch, int64_t H) {
  for (int64_t b = 0; b < batch; b++) {
    const float *gx = gx_all + b * 3 * H, *gh = gh_all + b * 3 * H;
    float *dx = dx_all + b * 3 * H, *dhh = dhh_all + b * 3 * H;
    int64_t row = b * H;
    for (int64_t j = 0; j < H; j += 16) {
      int64_t n = H - j < 16 ? H - j : 16;
      vf r = K(load)(gx + j, n, 0), z = K(load)(gx + H + j, n, 0), cand = K(load)(gx + 2 * H + j, n, 0);
      vf hn = K(load)(gh + 2 * H + j, n, 0), hp = K(load)(h_prev + row + j, n, 0);
      vf dhv = K(load)(dh + row + j, n, 0);
      vf dn = dhv * (1.0f - z) * (1.0f - cand * cand);
      vf dz = dhv * (hp - cand) * z * (1.0f - z);
      vf dr = dn * hn * r * (1.0f - r);
      K(store)(dx + j, dr, n);
      K(store)(dx + H + j, dz, n);
      K(store)(dx + 2 * H + j, dn, n);
      K(store)(dhh + j, dr, n);
      K(store)(dhh + H + j, dz, n);
      K(store)(dhh + 2 * H + j, dn * r, n);
      K(store)(dh_prev + row + j, K(load)(dh_prev + row + j, n, 0) + dhv * z, n);
    }
  }
}

static void K(rnn_forward)(const float *pre, const float *bias, float *h, int64_t batch, int64_t H) {
  for (int64_t b = 0; b < batch; b++) {
    for (int64_t j = 0; j < H; j += 16) {
      int64_t n = H - j < 16 ? H - j : 16;
      K(store)(h + b * H + j, K(tanh)(K(load)(pre + b * H + j, n, 0) + K(load)(bias + j, n, 0)), n);
    }
  }
}

static void K(rnn_backward)(const float *h, const float *dh, float *d_pre, int64_t count) {
  for (int64_t j = 0; j < count; j += 16) {
    int64_t n = count - j < 16 ? count - j : 16;
    vf hv = K(load)(h + j, n, 0);
    K(store)(d_pre + j, K(load)(dh + j, n, 0) * (1.0f - hv * hv), n);
  }
}

static void K(add)(const float *x, float *y, int64_t count) {
  for (int64_t j = 0; j < count; j += 16) {
    int64_t n = count - j < 16 ? count - j : 16;
    K(store)(y + j, K(load)(y + j, n, 0) + K(load)(x + j, n, 0), n);
  }
}

static void K(scale)(float *x, int64_t count, float s, float *sums) {
  for (int64_t j = 0; j < count; j += 16) {
    int64_t n = count - j < 16 ? count - j : 16;
    vf v = K(load)(x + j, n, 0) * s;
    K(store)(x + j, v, n);
    if (sums) K(store)(sums + j, K(load)(sums + j, n, 0) + v, n);
  }
}

static void K(add_column_sums)(const float *matrix, int64_t rows, int64_t ld, int64_t width, float *sums) {
  for (int64_t r = 0; r < rows; r++) K(add)(matrix + r * ld, sums, width);
}

/// Σ of a vector's 16 lanes, always in the same order (halves added pairwise).
static inline __attribute__((always_inline)) float K(sum_lanes)(vf v) {
  typedef float v8 __attribute__((vector_size(32), aligned(4)));
  typedef float v4 __attribute__((vector_size(16), aligned(4)));
  v8 h8 = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  v4 h4 = __builtin_shufflevector(h8, h8, 0, 1, 2, 3) + __builtin_shufflevector(h8, h8, 4, 5, 6, 7);
  return (h4[0] + h4[2]) + (h4[1] + h4[3]);
}

/// Rows `count` (1 to 4) of y = alpha·a·x + beta·y, 16 columns per vector: each row's dot
/// product is accumulated lane-wise over the columns in order, then its lanes summed by
/// sum_lanes, so a row's value does not depend on which rows share its call. `next` (NULL: none)
/// is the next call's first row: its `count` rows are prefetched into L1 column by column, as
/// these are read (the hardware's L2 prefetch keeps up with the streams; its L1 one, with four
/// of them, does not: 2 × 512 sampling's per-thread 6.6 MB pass on a Zen 5, two threads, 62–63 µs
/// without, 57–59 µs with; prefetching into L2 only, or 8–16 rows ahead, gained nothing).
static inline __attribute__((always_inline)) void K(gemv_rows)(const float *a, int64_t lda, const float *x,
                                                               float alpha, float beta, float *y, int64_t n, int count,
                                                               const float *next) {
  vf s[4] = {{0}, {0}, {0}, {0}};
  for (int64_t j = 0; j < n; j += 16) {
    int64_t w = n - j < 16 ? n - j : 16;
    if (next)
      for (int r = 0; r < count; r++) __builtin_prefetch(next + r * lda + j, 0, 3);
    vf xv = K(load)(x + j, w, 0);
    for (int r = 0; r < count; r++) s[r] += K(load)(a + r * lda + j, w, 0) * xv;
  }
  for (int r = 0; r < count; r++) y[r] = alpha * K(sum_lanes)(s[r]) + (beta == 0 ? 0 : beta * y[r]);
}

/// GEMV_ROWS rows at a time (ckernels.c sets it per ISA: as many as keep the accumulators, x and
/// the loads in registers), each block prefetching the next, then the rest one by one.
static void K(gemv)(const float *a, int64_t lda, const float *x, float alpha, float beta, float *y, int64_t m,
                    int64_t n) {
  int64_t i = 0;
  for (; i + GEMV_ROWS <= m; i += GEMV_ROWS)
    K(gemv_rows)(a + i * lda, lda, x, alpha, beta, y + i, n, GEMV_ROWS,
                 i + 2 * GEMV_ROWS <= m ? a + (i + GEMV_ROWS) * lda : NULL);
  for (; i < m; i++) K(gemv_rows)(a + i * lda, lda, x, alpha, beta, y + i, n, 1, NULL);
}

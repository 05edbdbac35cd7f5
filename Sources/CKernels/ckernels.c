// Dispatch for charlm's C kernels (see ckernels.h): the bodies of kernel_bodies.h compiled once
// per instruction set with `#pragma clang attribute` (per-function targets, no build flags),
// and a switch on the ISA the caller passes, checked against cpuid once.
#include "ckernels.h"

// 16-lane vectors passed between always-inline helpers: no ABI crosses a call, so the
// "changes the ABI" notes for targets without AVX-512 do not apply.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float vf __attribute__((vector_size(64), aligned(4)));
typedef int32_t vi __attribute__((vector_size(64), aligned(4)));

// Rows the matrix–vector kernel sums at a time: 16-lane accumulators are four SSE registers
// of 16, two AVX2 registers of 16 (4 rows spilled: 2 × 512 sampling 13% slower than 2 rows),
// one AVX-512 register of 32.
#define GEMV_ROWS 1
#define K(name) name##_portable
#include "kernel_bodies.h"
#undef K
#undef GEMV_ROWS

#if defined(__x86_64__) && defined(__clang__)
#define CKERNELS_X86 1

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define GEMV_ROWS 2
#define K(name) name##_avx2
#include "kernel_bodies.h"
#undef K
#undef GEMV_ROWS
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma"))), \
                             apply_to = function)
#define GEMV_ROWS 4
#define K(name) name##_avx512
#include "kernel_bodies.h"
#undef K
#undef GEMV_ROWS
#pragma clang attribute pop
#endif

int ckernels_supported(int isa) {
  switch (isa) {
  case CKERNELS_PORTABLE: return 1;
#ifdef CKERNELS_X86
  case CKERNELS_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  case CKERNELS_AVX512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma");
#endif
  default: return 0;
  }
}

/// `isa` if the CPU has it, else portable (cpuid is read once per ISA).
static int usable(int isa) {
  static int known[3] = {1, -1, -1};
  if (isa < 0 || isa > 2) return CKERNELS_PORTABLE;
  int k = __atomic_load_n(&known[isa], __ATOMIC_RELAXED);
  if (k < 0) {
    k = ckernels_supported(isa);
    __atomic_store_n(&known[isa], k, __ATOMIC_RELAXED);
  }
  return k ? isa : CKERNELS_PORTABLE;
}

#ifdef CKERNELS_X86
#define DISPATCH(isa, call)                                                                                           \
  switch (usable(isa)) {                                                                                              \
  case CKERNELS_AVX512: return call##_avx512;                                                                         \
  case CKERNELS_AVX2: return call##_avx2;                                                                             \
  default: return call##_portable;                                                                                    \
  }
#else
#define DISPATCH(isa, call) return call##_portable;
#endif

typedef void (*lstm_forward_fn)(float *, const float *, const int32_t *, const float *, float *, float *, int64_t,
                                int64_t);
static lstm_forward_fn lstm_forward_for(int isa) { DISPATCH(isa, lstm_forward) }

void ckernels_lstm_forward(int isa, float *gates, const float *bias, const int32_t *bias_rows, const float *c_prev,
                           float *c, float *h, int64_t batch, int64_t hidden) {
  lstm_forward_for(isa)(gates, bias, bias_rows, c_prev, c, h, batch, hidden);
}

typedef void (*lstm_backward_fn)(const float *, const float *, const float *, const float *, float *, float *,
                                 int64_t, int64_t);
static lstm_backward_fn lstm_backward_for(int isa) { DISPATCH(isa, lstm_backward) }

void ckernels_lstm_backward(int isa, const float *gates, const float *c_prev, const float *c, const float *dh,
                            float *dc, float *d_gates, int64_t batch, int64_t hidden) {
  lstm_backward_for(isa)(gates, c_prev, c, dh, dc, d_gates, batch, hidden);
}

typedef void (*adam_fn)(float *, const float *, float *, float *, int64_t, float, float, float, float, float);
static adam_fn adam_for(int isa) { DISPATCH(isa, adam) }

void ckernels_adam(int isa, float *p, const float *g, float *m, float *v, int64_t count, float b1, float b2,
                   float step_size, float inverse_correction2, float eps) {
  adam_for(isa)(p, g, m, v, count, b1, b2, step_size, inverse_correction2, eps);
}

typedef double (*sum_of_squares_fn)(const float *, int64_t);
static sum_of_squares_fn sum_of_squares_for(int isa) { DISPATCH(isa, sum_of_squares) }

double ckernels_sum_of_squares(int isa, const float *x, int64_t count) { return sum_of_squares_for(isa)(x, count); }

typedef float (*row_max_fn)(const float *, int64_t);
static row_max_fn row_max_for(int isa) { DISPATCH(isa, row_max) }

float ckernels_row_max(int isa, const float *x, int64_t count) { return row_max_for(isa)(x, count); }

typedef double (*exp_shifted_fn)(float *, int64_t, float);
static exp_shifted_fn exp_shifted_for(int isa) { DISPATCH(isa, exp_shifted) }

double ckernels_exp_shifted(int isa, float *x, int64_t count, float shift) {
  return exp_shifted_for(isa)(x, count, shift);
}

typedef void (*gru_forward_fn)(float *, float *, const float *, const float *, const float *, float *, int64_t,
                               int64_t);
static gru_forward_fn gru_forward_for(int isa) { DISPATCH(isa, gru_forward) }

void ckernels_gru_forward(int isa, float *input_gates, float *hidden_gates, const float *bias_ih, const float *bias_hh,
                          const float *h_prev, float *h, int64_t batch, int64_t hidden) {
  gru_forward_for(isa)(input_gates, hidden_gates, bias_ih, bias_hh, h_prev, h, batch, hidden);
}

typedef void (*gru_backward_fn)(const float *, const float *, const float *, const float *, float *, float *, float *,
                                int64_t, int64_t);
static gru_backward_fn gru_backward_for(int isa) { DISPATCH(isa, gru_backward) }

void ckernels_gru_backward(int isa, const float *input_gates, const float *hidden_gates, const float *h_prev,
                           const float *dh, float *d_input_gates, float *d_hidden_gates, float *dh_prev, int64_t batch,
                           int64_t hidden) {
  gru_backward_for(isa)(input_gates, hidden_gates, h_prev, dh, d_input_gates, d_hidden_gates, dh_prev, batch, hidden);
}

typedef void (*rnn_forward_fn)(const float *, const float *, float *, int64_t, int64_t);
static rnn_forward_fn rnn_forward_for(int isa) { DISPATCH(isa, rnn_forward) }

void ckernels_rnn_forward(int isa, const float *pre, const float *bias, float *h, int64_t batch, int64_t hidden) {
  rnn_forward_for(isa)(pre, bias, h, batch, hidden);
}

typedef void (*rnn_backward_fn)(const float *, const float *, float *, int64_t);
static rnn_backward_fn rnn_backward_for(int isa) { DISPATCH(isa, rnn_backward) }

void ckernels_rnn_backward(int isa, const float *h, const float *dh, float *d_pre, int64_t count) {
  rnn_backward_for(isa)(h, dh, d_pre, count);
}

typedef void (*add_fn)(const float *, float *, int64_t);
static add_fn add_for(int isa) { DISPATCH(isa, add) }

void ckernels_add(int isa, const float *x, float *y, int64_t count) { add_for(isa)(x, y, count); }

typedef void (*scale_fn)(float *, int64_t, float, float *);
static scale_fn scale_for(int isa) { DISPATCH(isa, scale) }

void ckernels_scale(int isa, float *x, int64_t count, float s, float *sums) { scale_for(isa)(x, count, s, sums); }

typedef void (*add_column_sums_fn)(const float *, int64_t, int64_t, int64_t, float *);
static add_column_sums_fn add_column_sums_for(int isa) { DISPATCH(isa, add_column_sums) }

void ckernels_add_column_sums(int isa, const float *matrix, int64_t rows, int64_t ld, int64_t width, float *sums) {
  add_column_sums_for(isa)(matrix, rows, ld, width, sums);
}

typedef void (*gemv_fn)(const float *, int64_t, const float *, float, float, float *, int64_t, int64_t);
static gemv_fn gemv_for(int isa) { DISPATCH(isa, gemv) }

void ckernels_gemv(int isa, const float *a, int64_t lda, const float *x, float alpha, float beta, float *y, int64_t m,
                   int64_t n) {
  gemv_for(isa)(a, lda, x, alpha, beta, y, m, n);
}

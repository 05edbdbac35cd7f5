// CKernels: charlm's own hot element-wise kernels in C, compiled for several instruction sets
// in one binary (per-function target attributes, no build flags) and chosen at run time.
//
// `isa` arguments: CKERNELS_PORTABLE (the target's baseline, e.g. SSE2 on x86-64, NEON on
// arm64), CKERNELS_AVX2 (AVX2 + FMA), CKERNELS_AVX512 (AVX-512 F/VL/DQ/BW + FMA). A kernel asked
// for an ISA the CPU lacks runs the portable one; ckernels_supported() tells which exist.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "cteam.h"  // the worker team of Kernels/Parallelism.swift

enum { CKERNELS_PORTABLE = 0, CKERNELS_AVX2 = 1, CKERNELS_AVX512 = 2 };

/// 1 when this CPU (and this build) can run `isa`.
int ckernels_supported(int isa);

/// LSTM step forward (see Kernels/LSTMPointwise.swift): gates (B, 4H) in: pre-activations without
/// bias, out: σ(i), σ(f), tanh(g), σ(o); bias (4H), or with bias_rows a table whose row
/// bias_rows[b] (4H) is row b's; c_prev, c, h (B, H); c may be c_prev.
void ckernels_lstm_forward(int isa, float *gates, const float *bias, const int32_t *bias_rows, const float *c_prev,
                           float *c, float *h, int64_t batch, int64_t hidden);

/// LSTM step backward: gates (B, 4H) saved activations; c_prev, c, dh (B, H); dc (B, H) in/out;
/// d_gates (B, 4H) out, may be `gates`.
void ckernels_lstm_backward(int isa, const float *gates, const float *c_prev, const float *c, const float *dh,
                            float *dc, float *d_gates, int64_t batch, int64_t hidden);

/// GRU step forward (see Kernels/GRUPointwise.swift): input_gates (B, 3H) x·W_ihᵀ in, out r, z,
/// n; hidden_gates (B, 3H) h·W_hhᵀ in, its n block out as W_hn·h + b_hn; h_prev, h (B, H).
void ckernels_gru_forward(int isa, float *input_gates, float *hidden_gates, const float *bias_ih, const float *bias_hh,
                          const float *h_prev, float *h, int64_t batch, int64_t hidden);

/// GRU step backward: d_input_gates, d_hidden_gates (B, 3H) out; dh_prev (B, H) accumulated.
void ckernels_gru_backward(int isa, const float *input_gates, const float *hidden_gates, const float *h_prev,
                           const float *dh, float *d_input_gates, float *d_hidden_gates, float *dh_prev, int64_t batch,
                           int64_t hidden);

/// RNN (tanh) step forward: h (B, H) = tanh(pre + bias).
void ckernels_rnn_forward(int isa, const float *pre, const float *bias, float *h, int64_t batch, int64_t hidden);

/// RNN step backward over `count` = B·H elements: d_pre = dh·(1 − h²).
void ckernels_rnn_backward(int isa, const float *h, const float *dh, float *d_pre, int64_t count);

/// Adam: m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²; p −= step_size·m / (√v·inverse_correction2 + eps).
void ckernels_adam(int isa, float *p, const float *g, float *m, float *v, int64_t count, float b1, float b2,
                   float step_size, float inverse_correction2, float eps);

/// Σ x², each block of 16 summed in float and the blocks in double.
double ckernels_sum_of_squares(int isa, const float *x, int64_t count);

/// y += x over `count` elements.
void ckernels_add(int isa, const float *x, float *y, int64_t count);

/// x *= s over `count` elements; then, when sums is not NULL, sums += x.
void ckernels_scale(int isa, float *x, int64_t count, float s, float *sums);

/// sums[j] += Σ_r matrix[r·ld + j] for j < width, rows in order.
void ckernels_add_column_sums(int isa, const float *matrix, int64_t rows, int64_t ld, int64_t width, float *sums);

/// max of x[0..<count] (−∞ for none).
float ckernels_row_max(int isa, const float *x, int64_t count);

/// x = e^(x − shift) in place (FastMath's exp); returns Σ x, each block of 16 summed in float
/// and the blocks in double.
double ckernels_exp_shifted(int isa, float *x, int64_t count, float shift);

/// y (m) = alpha · a (m, n; leading dimension lda) · x (n) + beta · y: a matrix–vector product
/// streaming a once (sampling's products for one stream). Each row is summed in one fixed order,
/// whatever m, so splitting the rows over threads does not change a value. beta 0 does not read y.
void ckernels_gemv(int isa, const float *a, int64_t lda, const float *x, float alpha, float beta, float *y, int64_t m,
                   int64_t n);

#endif

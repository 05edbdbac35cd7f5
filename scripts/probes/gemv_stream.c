// How fast two threads can stream a sampling step's weights: each thread computes y = W·x over its
// own 6.8 MB of rows (2 × 512 sampling's share: 1650 rows of 1024 floats), 4 rows at a time with
// AVX-512 (charlm's gemv), a spin barrier between passes as between a symbol's products. Prints the
// median µs per pass. The bound behind docs/Benchmarks.md's "2 × 512 sampling" paragraph.
//
//   clang -O2 -o /tmp/gemv_stream scripts/probes/gemv_stream.c -lpthread
//   /tmp/gemv_stream 0          # plain loads
//   /tmp/gemv_stream 1 [ahead]  # prefetch (T0) the block `ahead` rows on, column by column (4)
//   /tmp/gemv_stream 2 [ahead]  # the same with the NTA hint
//   /tmp/gemv_stream 3 [ahead]  # the same into L2 only (T1)
//
// Zen 5 (AMD EPYC family 26 model 2, 2 vCPUs), 2026-12-07, at a quiet hour: plain 62–68 µs; T0 or
// NTA 4 rows ahead 56–59 µs; 8 rows 59–61; 16 rows 64–66; T1 65–67. An hour later, busier: plain
// 76–80, T0/NTA 67–70, T1 76.
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N 1024
#define ROWS 1650
#define PASSES 3000

static float *weights[2], *x, *y[2];
static atomic_int arrived = 0, generation = 0;
static int mode, ahead = 4;
static double times[PASSES];

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

__attribute__((target("avx512f"))) static void gemv(const float *w, float *out) {
  for (int i = 0; i < ROWS; i += 4) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    const float *r = w + (size_t)i * N;
    for (int j = 0; j < N; j += 16) {
      if (mode > 0) {
        const char *q = (const char *)(r + j + (size_t)ahead * N);
        for (int k = 0; k < 4; k++) {
          if (mode == 1) _mm_prefetch(q + k * 4 * N, _MM_HINT_T0);
          else if (mode == 2) _mm_prefetch(q + k * 4 * N, _MM_HINT_NTA);
          else _mm_prefetch(q + k * 4 * N, _MM_HINT_T1);
        }
      }
      __m512 xv = _mm512_loadu_ps(x + j);
      s0 = _mm512_fmadd_ps(_mm512_loadu_ps(r + j), xv, s0);
      s1 = _mm512_fmadd_ps(_mm512_loadu_ps(r + N + j), xv, s1);
      s2 = _mm512_fmadd_ps(_mm512_loadu_ps(r + 2 * N + j), xv, s2);
      s3 = _mm512_fmadd_ps(_mm512_loadu_ps(r + 3 * N + j), xv, s3);
    }
    out[i] = _mm512_reduce_add_ps(s0);
    out[i + 1] = _mm512_reduce_add_ps(s1);
    out[i + 2] = _mm512_reduce_add_ps(s2);
    out[i + 3] = _mm512_reduce_add_ps(s3);
  }
}

static void barrier(int *local) {
  int g = ++*local;
  if (atomic_fetch_add(&arrived, 1) == 1) {
    atomic_store(&arrived, 0);
    atomic_store(&generation, g);
  } else {
    while (atomic_load(&generation) < g) _mm_pause();
  }
}

static void *run(void *arg) {
  int t = (int)(long)arg, local = 0;
  for (int p = 0; p < PASSES; p++) {
    barrier(&local);
    double t0 = now_us();
    gemv(weights[t], y[t]);
    barrier(&local);
    if (t == 0) times[p] = now_us() - t0;
  }
  return NULL;
}

static int compare(const void *a, const void *b) {
  double u = *(const double *)a, v = *(const double *)b;
  return u < v ? -1 : u > v;
}

int main(int argc, char **argv) {
  mode = argc > 1 ? atoi(argv[1]) : 0;
  ahead = argc > 2 ? atoi(argv[2]) : 4;
  for (int t = 0; t < 2; t++) {
    size_t count = (size_t)(ROWS + 64) * N;  // room for the prefetch past the last row
    weights[t] = aligned_alloc(64, count * sizeof(float));
    y[t] = malloc(ROWS * sizeof(float));
    for (size_t i = 0; i < count; i++) weights[t][i] = (float)(i % 7) * 0.01f;
  }
  x = aligned_alloc(64, N * sizeof(float));
  for (int j = 0; j < N; j++) x[j] = 1;
  pthread_t worker;
  pthread_create(&worker, NULL, run, (void *)1L);
  run((void *)0L);
  pthread_join(worker, NULL);
  qsort(times + 100, PASSES - 100, sizeof(double), compare);  // the first 100 passes warm up
  printf("mode %d ahead %d: median %.1f us a pass (%.1f MB a thread), p10 %.1f\n", mode, ahead,
         times[100 + (PASSES - 100) / 2], ROWS * N * 4 / 1e6, times[100 + (PASSES - 100) / 10]);
  return 0;
}

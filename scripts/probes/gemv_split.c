// charlm's 2 x 512 sampling split outside charlm: three 2048 x 512 matrices in one calloc'ed block
// (as the parameters are), two threads, thread t taking rows t*1024..+1024 of each in turn with a
// spin barrier between passes, through charlm's own ckernels_gemv (argument 1) or the loop of
// gemv_stream.c (argument 0). Prints each thread's median µs per pass.
//
//   swift build -c release
//   clang -O2 -o /tmp/gemv_split scripts/probes/gemv_split.c .build/release/CKernels.build/ckernels.c.o -lpthread -lm
//   /tmp/gemv_split 1; /tmp/gemv_split 0
//
// Zen 5 (AMD EPYC family 26 model 2, 2 vCPUs), 2026-12-07 23:00-23:20, the slower thread's median
// over 6-8 runs each, alternated: charlm's kernel 60-68 µs, the probe's loop 55-64 (5-10% faster
// at every hour), the same arithmetic as charlm's in intrinsics 62-65. Inside charlm neither
// ported loop paid: the whole-vector loop split from the partial last vector 14.0k -> 13.3k
// symbols/s, the intrinsics version (same bits, one binary, switched by an environment variable)
// 14.3k -> 14.7k, 4 of 8 pairs faster; charlm's own split runs 58-61 µs a thread. So the harness
// exaggerates the kernel's share; kept as the tool to look further (docs/Benchmarks.md, third
// session).
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
void ckernels_gemv(int isa, const float *a, int64_t lda, const float *x, float alpha, float beta, float *y, int64_t m, int64_t n);
#define N 512
#define M 2048
#define PASSES 3000
static float *w[3], *x[3], *y[3];
static atomic_int arrived = 0, generation = 0;
static int kernel, contiguous;
static double own[2][PASSES];
static double now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
__attribute__((target("avx512f"))) static void probe_gemv(const float *a, const float *xv_, float *out, int rows) {
  for (int i = 0; i < rows; i += 4) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    const float *r = a + (size_t)i * N;
    for (int j = 0; j < N; j += 16) {
      if (i + 4 < rows) { const char *q = (const char *)(r + j + 4 * N); for (int k = 0; k < 4; k++) _mm_prefetch(q + k * 4 * N, _MM_HINT_T0); }
      __m512 xv = _mm512_loadu_ps(xv_ + j);
      s0 = _mm512_fmadd_ps(_mm512_loadu_ps(r + j), xv, s0);
      s1 = _mm512_fmadd_ps(_mm512_loadu_ps(r + N + j), xv, s1);
      s2 = _mm512_fmadd_ps(_mm512_loadu_ps(r + 2 * N + j), xv, s2);
      s3 = _mm512_fmadd_ps(_mm512_loadu_ps(r + 3 * N + j), xv, s3);
    }
    out[i] = _mm512_reduce_add_ps(s0); out[i + 1] = _mm512_reduce_add_ps(s1);
    out[i + 2] = _mm512_reduce_add_ps(s2); out[i + 3] = _mm512_reduce_add_ps(s3);
  }
}
static void barrier(int *local) {
  int g = ++*local;
  if (atomic_fetch_add(&arrived, 1) == 1) { atomic_store(&arrived, 0); atomic_store(&generation, g); }
  else while (atomic_load(&generation) < g) _mm_pause();
}
static void *run(void *arg) {
  int t = (int)(long)arg, local = 0;
  for (int p = 0; p < PASSES; p++) {
    barrier(&local);
    double t0 = now_us();
    for (int k = 0; k < 3; k++) {
      const float *a = w[k] + (size_t)t * 1024 * N;
      if (kernel) ckernels_gemv(2, a, N, x[k], 1, k == 1 ? 1 : 0, y[k] + t * 1024, 1024, N);
      else probe_gemv(a, x[k], y[k] + t * 1024, 1024);
    }
    own[t][p] = now_us() - t0;
    barrier(&local);
  }
  return NULL;
}
static int compare(const void *a, const void *b) { double u = *(const double *)a, v = *(const double *)b; return u < v ? -1 : u > v; }
int main(int argc, char **argv) {
  kernel = argc > 1 ? atoi(argv[1]) : 0;
  float *all = calloc((size_t)3 * M * N + 64, 4);  // one calloc'ed block like charlm's parameters (16-byte aligned)
  for (int k = 0; k < 3; k++) {
    w[k] = all + (size_t)k * M * N;
    for (size_t i = 0; i < (size_t)M * N; i++) w[k][i] = 0.01f * (float)(i % 7);
    x[k] = malloc(N * 4); y[k] = malloc(M * 4);
    for (int j = 0; j < N; j++) x[k][j] = 1;
  }
  pthread_t worker; pthread_create(&worker, NULL, run, (void *)1L); run((void *)0L); pthread_join(worker, NULL);
  for (int t = 0; t < 2; t++) qsort(own[t] + 100, PASSES - 100, sizeof(double), compare);
  printf("kernel %s: thread medians %.1f %.1f us\n", kernel ? "charlm" : "probe", own[0][100 + (PASSES - 100) / 2], own[1][100 + (PASSES - 100) / 2]);
}

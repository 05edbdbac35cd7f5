// Opening oneDNN 2.x (libdnnl.so.2) at run time, so the build needs only its headers
// (libdnnl-dev) and a machine without the library runs on BLAS; the per-thread streams and
// scratch memory. Without oneDNN headers at build time, every entry point reports "unavailable".
//
// Threads: Debian builds oneDNN with OpenMP; each calling thread sets its own OpenMP thread
// count to 1 before its first product, so a product runs on the thread that calls it, as BLAS
// does in charlm. Scratch memory is per calling thread (user scratchpad mode), so two threads
// can run the same primitive at once.
#include "cdnnl_private.h"

#ifndef CDNNL_HAVE_ONEDNN

int cdnnl_available(void) { return 0; }
const char *cdnnl_version(void) { return ""; }
const char *cdnnl_isa(void) { return ""; }
int cdnnl_matmul(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                 const float *b, int64_t ldb, const float *bias, float beta, float *c, int64_t ldc) {
  return 1;
}
cdnnl_packed_memory *cdnnl_packed_memory_create(void) { return NULL; }
void cdnnl_packed_memory_release(cdnnl_packed_memory *memory) {}
cdnnl_packed *cdnnl_packed_create(int64_t n, int64_t k, int transposed, cdnnl_packed_memory *memory) { return NULL; }
int cdnnl_packed_pack(cdnnl_packed *p, const float *w, int64_t ldw) { return 1; }
int cdnnl_packed_multiply(cdnnl_packed *p, int64_t m, float alpha, const float *a, int64_t lda, float beta, float *c,
                          int64_t ldc) {
  return 1;
}
size_t cdnnl_packed_size(const cdnnl_packed *p) { return 0; }
void cdnnl_packed_destroy(cdnnl_packed *p) {}

#else

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#define CDNNL_DEFINE(f) __typeof__(f) *p_##f;
CDNNL_FUNCTIONS(CDNNL_DEFINE)
static void (*p_omp_set_num_threads)(int);

dnnl_engine_t cdnnl_engine;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char version_text[32];

static void load(void) {
  void *lib = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return;
#define CDNNL_RESOLVE(f)                                                                                              \
  if (!(p_##f = (__typeof__(f) *)dlsym(lib, #f))) return;
  CDNNL_FUNCTIONS(CDNNL_RESOLVE)
  p_omp_set_num_threads = (void (*)(int))dlsym(lib, "omp_set_num_threads");  // absent in a sequential build
  if (p_dnnl_engine_create(&cdnnl_engine, dnnl_cpu, 0) != dnnl_success) return;
  const dnnl_version_t *v = p_dnnl_version();
  snprintf(version_text, sizeof version_text, "%d.%d.%d", v->major, v->minor, v->patch);
  loaded = 1;
}

int cdnnl_available(void) {
  pthread_once(&load_once, load);
  return loaded;
}

const char *cdnnl_version(void) { return cdnnl_available() ? version_text : ""; }

const char *cdnnl_isa(void) {
  if (!cdnnl_available()) return "";
  switch (p_dnnl_get_effective_cpu_isa()) {
  case dnnl_cpu_isa_sse41: return "sse41";
  case dnnl_cpu_isa_avx: return "avx";
  case dnnl_cpu_isa_avx2: return "avx2";
  case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
  case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
  case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
  case dnnl_cpu_isa_avx512_core: return "avx512_core";
  case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
  case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
  case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
  default: return "unknown";
  }
}

// MARK: - Per-thread state

static __thread cdnnl_thread_state tls;

cdnnl_thread_state *cdnnl_this_thread(void) {
  if (!tls.stream) {
    if (p_omp_set_num_threads) p_omp_set_num_threads(1);
    if (p_dnnl_stream_create(&tls.stream, cdnnl_engine, dnnl_stream_default_flags) != dnnl_success) return NULL;
  }
  return &tls;
}

void *cdnnl_scratch(cdnnl_thread_state *t, size_t size) {
  if (size <= t->scratch_size) return t->scratch;
  free(t->scratch);
  size_t rounded = (size + 4095) & ~(size_t)4095;
  t->scratch = aligned_alloc(64, rounded);
  t->scratch_size = t->scratch ? rounded : 0;
  return t->scratch;
}

#endif

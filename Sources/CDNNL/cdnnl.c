// oneDNN 2.x matmul primitives for charlm (see cdnnl.h). libdnnl.so.2 is opened at run time, so
// the build needs only the headers (libdnnl-dev) and a machine without the library runs on BLAS.
//
// Threads: Debian builds oneDNN with OpenMP; each calling thread sets its own OpenMP thread
// count to 1 before its first product, so a product runs on the thread that calls it, as BLAS
// does in charlm. Primitives are cached by shape (they are created once and executed many
// times); their scratch memory is per calling thread (user scratchpad mode), so two threads can
// run the same primitive at once.
#include "cdnnl.h"

#if defined(__linux__) && defined(__x86_64__) && defined(__has_include)
#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>
#if DNNL_VERSION_MAJOR == 2
#define CDNNL_HAVE_ONEDNN 1
#endif
#endif
#endif

#ifndef CDNNL_HAVE_ONEDNN

int cdnnl_available(void) { return 0; }
const char *cdnnl_version(void) { return ""; }
const char *cdnnl_isa(void) { return ""; }
int cdnnl_matmul(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                 const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
  return 1;
}
cdnnl_packed *cdnnl_packed_create(int64_t n, int64_t k, int transposed) { return NULL; }
int cdnnl_packed_pack(cdnnl_packed *p, const float *w, int64_t ldw) { return 1; }
int cdnnl_packed_multiply(cdnnl_packed *p, int64_t m, float alpha, const float *a, int64_t lda, float beta, float *c,
                          int64_t ldc) {
  return 1;
}
size_t cdnnl_packed_size(const cdnnl_packed *p) { return 0; }
void cdnnl_packed_destroy(cdnnl_packed *p) {}

#else

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Loading

#define CDNNL_FUNCTIONS(X)                                                                                            \
  X(dnnl_engine_create)                                                                                               \
  X(dnnl_stream_create)                                                                                               \
  X(dnnl_memory_desc_init_by_strides)                                                                                 \
  X(dnnl_memory_desc_init_by_tag)                                                                                 \
  X(dnnl_memory_desc_get_size)                                                                                        \
  X(dnnl_memory_desc_equal)                                                                                           \
  X(dnnl_matmul_desc_init)                                                                                            \
  X(dnnl_primitive_desc_create)                                                                                       \
  X(dnnl_primitive_desc_destroy)                                                                                      \
  X(dnnl_primitive_desc_query_md)                                                                                     \
  X(dnnl_reorder_primitive_desc_create)                                                                               \
  X(dnnl_primitive_create)                                                                                            \
  X(dnnl_primitive_destroy)                                                                                           \
  X(dnnl_primitive_execute)                                                                                           \
  X(dnnl_memory_create)                                                                                               \
  X(dnnl_memory_destroy)                                                                                              \
  X(dnnl_primitive_attr_create)                                                                                       \
  X(dnnl_primitive_attr_destroy)                                                                                      \
  X(dnnl_primitive_attr_set_output_scales)                                                                            \
  X(dnnl_primitive_attr_set_scratchpad_mode)                                                                          \
  X(dnnl_primitive_attr_set_post_ops)                                                                                 \
  X(dnnl_post_ops_create)                                                                                             \
  X(dnnl_post_ops_destroy)                                                                                            \
  X(dnnl_post_ops_append_sum)                                                                                         \
  X(dnnl_version)                                                                                                     \
  X(dnnl_get_effective_cpu_isa)

#define CDNNL_DECLARE(f) static __typeof__(f) *p_##f;
CDNNL_FUNCTIONS(CDNNL_DECLARE)
static void (*p_omp_set_num_threads)(int);

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static dnnl_engine_t engine;
static char version_text[32];

static void load(void) {
  void *lib = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return;
#define CDNNL_RESOLVE(f)                                                                                              \
  if (!(p_##f = (__typeof__(f) *)dlsym(lib, #f))) return;
  CDNNL_FUNCTIONS(CDNNL_RESOLVE)
  p_omp_set_num_threads = (void (*)(int))dlsym(lib, "omp_set_num_threads");  // absent in a sequential build
  if (p_dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return;
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

/// The calling thread's stream and scratch memory; OpenMP kept at one thread for it.
typedef struct {
  dnnl_stream_t stream;
  void *scratch;
  size_t scratch_size;
} thread_state;

static __thread thread_state tls;

static thread_state *this_thread(void) {
  if (!tls.stream) {
    if (p_omp_set_num_threads) p_omp_set_num_threads(1);
    if (p_dnnl_stream_create(&tls.stream, engine, dnnl_stream_default_flags) != dnnl_success) return NULL;
  }
  return &tls;
}

static void *scratch(thread_state *t, size_t size) {
  if (size <= t->scratch_size) return t->scratch;
  free(t->scratch);
  size_t rounded = (size + 4095) & ~(size_t)4095;
  t->scratch = aligned_alloc(64, rounded);
  t->scratch_size = t->scratch ? rounded : 0;
  return t->scratch;
}

// MARK: - Primitives

/// A matmul primitive for one shape, with the layouts of its a and c (b's is the primitive's).
typedef struct {
  int64_t key[10];
  dnnl_primitive_t primitive;
  dnnl_memory_desc_t a_md, b_md, c_md;
  size_t scratch_size;
} product;

static void strided_md(dnnl_memory_desc_t *md, int64_t rows, int64_t columns, int transposed, int64_t ld) {
  dnnl_dims_t dims = {rows, columns};
  dnnl_dims_t strides = {transposed ? 1 : ld, transposed ? ld : 1};
  p_dnnl_memory_desc_init_by_strides(md, 2, dims, dnnl_f32, strides);
}

/// Creates the primitive for c (m, n) = alpha · a · b + beta · c with the given descriptors;
/// b_md may have format_tag_any (then product->b_md is the layout chosen).
static int make_product(product *p, const dnnl_memory_desc_t *a_md, const dnnl_memory_desc_t *b_md,
                        const dnnl_memory_desc_t *c_md, float alpha, float beta) {
  dnnl_matmul_desc_t desc;
  if (p_dnnl_matmul_desc_init(&desc, a_md, b_md, NULL, c_md) != dnnl_success) return 1;
  dnnl_primitive_attr_t attr;
  if (p_dnnl_primitive_attr_create(&attr) != dnnl_success) return 1;
  int failed = p_dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) != dnnl_success;
  if (!failed && alpha != 1) failed = p_dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha) != dnnl_success;
  dnnl_post_ops_t ops = NULL;
  if (!failed && beta != 0) {
    failed = p_dnnl_post_ops_create(&ops) != dnnl_success || p_dnnl_post_ops_append_sum(ops, beta) != dnnl_success ||
             p_dnnl_primitive_attr_set_post_ops(attr, ops) != dnnl_success;
  }
  dnnl_primitive_desc_t pd = NULL;
  if (!failed) failed = p_dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL) != dnnl_success;
  if (ops) p_dnnl_post_ops_destroy(ops);
  p_dnnl_primitive_attr_destroy(attr);
  if (failed) return 1;
  p->a_md = *a_md;
  p->b_md = *p_dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
  p->c_md = *c_md;
  p->scratch_size = p_dnnl_memory_desc_get_size(p_dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
  failed = p_dnnl_primitive_create(&p->primitive, pd) != dnnl_success;
  p_dnnl_primitive_desc_destroy(pd);
  return failed;
}

/// Runs p on a, c and the weights memory b (NULL: wrap b_data in p->b_md).
static int run_product(const product *p, const float *a, dnnl_memory_t b, const float *b_data, float *c) {
  thread_state *t = this_thread();
  if (!t) return 1;
  void *s = scratch(t, p->scratch_size);
  if (p->scratch_size && !s) return 1;
  dnnl_memory_t am = NULL, bm = NULL, cm = NULL, sm = NULL;
  int failed = p_dnnl_memory_create(&am, &p->a_md, engine, (void *)a) != dnnl_success ||
               p_dnnl_memory_create(&cm, &p->c_md, engine, c) != dnnl_success;
  if (!failed && !b) failed = p_dnnl_memory_create(&bm, &p->b_md, engine, (void *)b_data) != dnnl_success;
  if (!failed && p->scratch_size) {
    dnnl_memory_desc_t smd;
    dnnl_dims_t dims = {(int64_t)p->scratch_size};
    dnnl_dims_t strides = {1};
    failed = p_dnnl_memory_desc_init_by_strides(&smd, 1, dims, dnnl_u8, strides) != dnnl_success ||
             p_dnnl_memory_create(&sm, &smd, engine, s) != dnnl_success;
  }
  if (!failed) {
    dnnl_exec_arg_t args[4] = {
        {DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, b ? b : bm}, {DNNL_ARG_DST, cm}, {DNNL_ARG_SCRATCHPAD, sm}};
    failed = p_dnnl_primitive_execute(p->primitive, t->stream, sm ? 4 : 3, args) != dnnl_success;
  }
  if (am) p_dnnl_memory_destroy(am);
  if (bm) p_dnnl_memory_destroy(bm);
  if (cm) p_dnnl_memory_destroy(cm);
  if (sm) p_dnnl_memory_destroy(sm);
  return failed;
}

/// A fixed-size cache of products, filled once per shape and never evicted (a product may be
/// running on another thread); beyond its capacity products are built for one call.
typedef struct {
  pthread_mutex_t lock;
  int count;
  product entries[64];
} product_cache;

static int key_equal(const int64_t *a, const int64_t *b) { return memcmp(a, b, 10 * sizeof(int64_t)) == 0; }

/// The cached product for key, or NULL (then `slot` is where a new one may go, or NULL when full).
static product *lookup(product_cache *cache, const int64_t *key, product **slot) {
  pthread_mutex_lock(&cache->lock);
  product *found = NULL;
  for (int i = 0; i < cache->count && !found; i++)
    if (key_equal(cache->entries[i].key, key)) found = &cache->entries[i];
  *slot = found || cache->count == 64 ? NULL : &cache->entries[cache->count];
  if (!found) return NULL;  // still locked: the caller fills `slot` and calls publish()
  pthread_mutex_unlock(&cache->lock);
  return found;
}

static void publish(product_cache *cache, product *slot, int ok) {
  if (slot && ok) cache->count++;
  pthread_mutex_unlock(&cache->lock);
}

static int32_t float_bits(float x) {
  int32_t bits;
  memcpy(&bits, &x, sizeof bits);
  return bits;
}

// MARK: - Plain products

static product_cache plain_cache = {PTHREAD_MUTEX_INITIALIZER, 0, {{{0}}}};

int cdnnl_matmul(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                 const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
  if (!cdnnl_available() || m <= 0 || n <= 0 || k <= 0) return 1;
  int64_t key[10] = {ta != 0, tb != 0, m, n, k, lda, ldb, ldc, float_bits(alpha), float_bits(beta)};
  product *slot;
  product *p = lookup(&plain_cache, key, &slot);
  product local;
  if (!p) {
    product *target = slot ? slot : &local;
    dnnl_memory_desc_t a_md, b_md, c_md;
    strided_md(&a_md, m, k, ta, lda);
    strided_md(&b_md, k, n, tb, ldb);
    strided_md(&c_md, m, n, 0, ldc);
    int ok = make_product(target, &a_md, &b_md, &c_md, alpha, beta) == 0;
    if (ok) memcpy(target->key, key, sizeof key);
    publish(&plain_cache, slot, ok);
    if (!ok) return 1;
    p = target;
  }
  int failed = run_product(p, a, NULL, b, c);
  if (p == &local) p_dnnl_primitive_destroy(local.primitive);
  return failed;
}

// MARK: - Packed weights

struct cdnnl_packed {
  int64_t n, k;
  int transposed;
  dnnl_memory_desc_t packed_md;
  void *data;
  size_t size;
  dnnl_memory_t weights;
  /// The reorder from the user's layout, for `reorder_ld`.
  dnnl_primitive_t reorder;
  int64_t reorder_ld;
  product_cache products;
};

cdnnl_packed *cdnnl_packed_create(int64_t n, int64_t k, int transposed) {
  if (!cdnnl_available() || n <= 0 || k <= 0) return NULL;
  // The layout the primitive asks for (format_tag_any), chosen for a small recurrent product.
  dnnl_memory_desc_t a_md, b_md, c_md;
  int64_t m = 16;
  strided_md(&a_md, m, k, 0, k);
  dnnl_dims_t b_dims = {k, n};
  if (p_dnnl_memory_desc_init_by_tag(&b_md, 2, b_dims, dnnl_f32, dnnl_format_tag_any) != dnnl_success) return NULL;
  strided_md(&c_md, m, n, 0, n);
  product probe;
  if (make_product(&probe, &a_md, &b_md, &c_md, 1, 0) != 0) return NULL;
  p_dnnl_primitive_destroy(probe.primitive);
  cdnnl_packed *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->n = n;
  p->k = k;
  p->transposed = transposed != 0;
  p->packed_md = probe.b_md;
  p->size = p_dnnl_memory_desc_get_size(&p->packed_md);
  p->data = aligned_alloc(64, (p->size + 63) & ~(size_t)63);
  pthread_mutex_init(&p->products.lock, NULL);
  if (!p->data || p_dnnl_memory_create(&p->weights, &p->packed_md, engine, p->data) != dnnl_success) {
    free(p->data);
    free(p);
    return NULL;
  }
  return p;
}

int cdnnl_packed_pack(cdnnl_packed *p, const float *w, int64_t ldw) {
  thread_state *t = this_thread();
  if (!t) return 1;
  dnnl_memory_desc_t user_md;
  strided_md(&user_md, p->k, p->n, p->transposed, ldw);
  if (!p->reorder || p->reorder_ld != ldw) {
    if (p->reorder) p_dnnl_primitive_destroy(p->reorder);
    p->reorder = NULL;
    dnnl_primitive_desc_t rpd;
    if (p_dnnl_reorder_primitive_desc_create(&rpd, &user_md, engine, &p->packed_md, engine, NULL) != dnnl_success)
      return 1;
    int failed = p_dnnl_primitive_create(&p->reorder, rpd) != dnnl_success;
    p_dnnl_primitive_desc_destroy(rpd);
    if (failed) return 1;
    p->reorder_ld = ldw;
  }
  dnnl_memory_t from;
  if (p_dnnl_memory_create(&from, &user_md, engine, (void *)w) != dnnl_success) return 1;
  dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, p->weights}};
  int failed = p_dnnl_primitive_execute(p->reorder, t->stream, 2, args) != dnnl_success;
  p_dnnl_memory_destroy(from);
  return failed;
}

int cdnnl_packed_multiply(cdnnl_packed *p, int64_t m, float alpha, const float *a, int64_t lda, float beta, float *c,
                          int64_t ldc) {
  if (m <= 0) return 0;
  int64_t key[10] = {0, 0, m, p->n, p->k, lda, 0, ldc, float_bits(alpha), float_bits(beta)};
  product *slot;
  product *prod = lookup(&p->products, key, &slot);
  product local;
  if (!prod) {
    product *target = slot ? slot : &local;
    dnnl_memory_desc_t a_md, c_md;
    strided_md(&a_md, m, p->k, 0, lda);
    strided_md(&c_md, m, p->n, 0, ldc);
    int ok = make_product(target, &a_md, &p->packed_md, &c_md, alpha, beta) == 0;
    if (ok) memcpy(target->key, key, sizeof key);
    publish(&p->products, slot, ok);
    if (!ok) return 1;
    prod = target;
  }
  int failed = run_product(prod, a, p->weights, NULL, c);
  if (prod == &local) p_dnnl_primitive_destroy(local.primitive);
  return failed;
}

size_t cdnnl_packed_size(const cdnnl_packed *p) { return p ? p->size : 0; }

void cdnnl_packed_destroy(cdnnl_packed *p) {
  if (!p) return;
  for (int i = 0; i < p->products.count; i++) p_dnnl_primitive_destroy(p->products.entries[i].primitive);
  if (p->reorder) p_dnnl_primitive_destroy(p->reorder);
  p_dnnl_memory_destroy(p->weights);
  pthread_mutex_destroy(&p->products.lock);
  free(p->data);
  free(p);
}

#endif

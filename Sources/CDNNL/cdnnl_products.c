// oneDNN matmul primitives, created once per shape and cached, and the plain (unpacked) product.
#include "cdnnl_private.h"

#ifdef CDNNL_HAVE_ONEDNN

#include <string.h>

void cdnnl_strided_md(dnnl_memory_desc_t *md, int64_t rows, int64_t columns, int transposed, int64_t ld) {
  dnnl_dims_t dims = {rows, columns};
  dnnl_dims_t strides = {transposed ? 1 : ld, transposed ? ld : 1};
  p_dnnl_memory_desc_init_by_strides(md, 2, dims, dnnl_f32, strides);
}

/// The descriptor of a bias row for c (m, n): dims (1, n).
static void bias_md_for(dnnl_memory_desc_t *md, const dnnl_memory_desc_t *c_md) {
  cdnnl_strided_md(md, 1, c_md->dims[1], 0, c_md->dims[1]);
}

int cdnnl_make_product(cdnnl_product *p, const dnnl_memory_desc_t *a_md, const dnnl_memory_desc_t *b_md,
                       const dnnl_memory_desc_t *c_md, float alpha, float beta, int has_bias) {
  if (has_bias && alpha != 1) return 1;  // where oneDNN applies the scale to the bias is not ours to rely on
  dnnl_matmul_desc_t desc;
  dnnl_memory_desc_t bias_md;
  if (has_bias) bias_md_for(&bias_md, c_md);
  if (p_dnnl_matmul_desc_init(&desc, a_md, b_md, has_bias ? &bias_md : NULL, c_md) != dnnl_success) return 1;
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
  if (!failed) failed = p_dnnl_primitive_desc_create(&pd, &desc, attr, cdnnl_engine, NULL) != dnnl_success;
  if (ops) p_dnnl_post_ops_destroy(ops);
  p_dnnl_primitive_attr_destroy(attr);
  if (failed) return 1;
  p->a_md = *a_md;
  p->b_md = *p_dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
  p->c_md = *c_md;
  p->has_bias = has_bias != 0;
  p->scratch_size = p_dnnl_memory_desc_get_size(p_dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
  failed = p_dnnl_primitive_create(&p->primitive, pd) != dnnl_success;
  p_dnnl_primitive_desc_destroy(pd);
  return failed;
}

/// Runs p on a, c, the weights memory b (NULL: wrap b_data in p->b_md) and bias (when p has one).
static int run_product(const cdnnl_product *p, const float *a, dnnl_memory_t b, const float *b_data, const float *bias,
                       float *c) {
  cdnnl_thread_state *t = cdnnl_this_thread();
  if (!t) return 1;
  void *s = cdnnl_scratch(t, p->scratch_size);
  if (p->scratch_size && !s) return 1;
  dnnl_memory_t am = NULL, bm = NULL, cm = NULL, sm = NULL, biasm = NULL;
  int failed = p_dnnl_memory_create(&am, &p->a_md, cdnnl_engine, (void *)a) != dnnl_success ||
               p_dnnl_memory_create(&cm, &p->c_md, cdnnl_engine, c) != dnnl_success;
  if (!failed && !b) failed = p_dnnl_memory_create(&bm, &p->b_md, cdnnl_engine, (void *)b_data) != dnnl_success;
  if (!failed && p->has_bias) {
    dnnl_memory_desc_t bias_md;
    bias_md_for(&bias_md, &p->c_md);
    failed = !bias || p_dnnl_memory_create(&biasm, &bias_md, cdnnl_engine, (void *)bias) != dnnl_success;
  }
  if (!failed && p->scratch_size) {
    dnnl_memory_desc_t smd;
    dnnl_dims_t dims = {(int64_t)p->scratch_size};
    dnnl_dims_t strides = {1};
    failed = p_dnnl_memory_desc_init_by_strides(&smd, 1, dims, dnnl_u8, strides) != dnnl_success ||
             p_dnnl_memory_create(&sm, &smd, cdnnl_engine, s) != dnnl_success;
  }
  if (!failed) {
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, b ? b : bm}, {DNNL_ARG_DST, cm}};
    int count = 3;
    if (sm) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, sm};
    if (biasm) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, biasm};
    failed = p_dnnl_primitive_execute(p->primitive, t->stream, count, args) != dnnl_success;
  }
  if (am) p_dnnl_memory_destroy(am);
  if (bm) p_dnnl_memory_destroy(bm);
  if (cm) p_dnnl_memory_destroy(cm);
  if (sm) p_dnnl_memory_destroy(sm);
  if (biasm) p_dnnl_memory_destroy(biasm);
  return failed;
}

static int key_equal(const int64_t *a, const int64_t *b) { return memcmp(a, b, 10 * sizeof(int64_t)) == 0; }

/// The cached product for key, or NULL (then `slot` is where a new one may go, or NULL when
/// full, and the cache stays locked until publish()).
static cdnnl_product *lookup(cdnnl_product_cache *cache, const int64_t *key, cdnnl_product **slot) {
  pthread_mutex_lock(&cache->lock);
  cdnnl_product *found = NULL;
  for (int i = 0; i < cache->count && !found; i++)
    if (key_equal(cache->entries[i].key, key)) found = &cache->entries[i];
  *slot = found || cache->count == 64 ? NULL : &cache->entries[cache->count];
  if (!found) return NULL;
  pthread_mutex_unlock(&cache->lock);
  return found;
}

static void publish(cdnnl_product_cache *cache, cdnnl_product *slot, int ok) {
  if (slot && ok) cache->count++;
  pthread_mutex_unlock(&cache->lock);
}

int cdnnl_run_cached(cdnnl_product_cache *cache, const int64_t key[10], const dnnl_memory_desc_t *a_md,
                     const dnnl_memory_desc_t *b_md, const dnnl_memory_desc_t *c_md, float alpha, float beta,
                     const float *a, dnnl_memory_t b_memory, const float *b_data, const float *bias, float *c) {
  cdnnl_product *slot;
  cdnnl_product *p = lookup(cache, key, &slot);
  cdnnl_product local;
  if (!p) {
    cdnnl_product *target = slot ? slot : &local;
    int ok = cdnnl_make_product(target, a_md, b_md, c_md, alpha, beta, bias != NULL) == 0;
    if (ok) memcpy(target->key, key, sizeof target->key);
    publish(cache, slot, ok);
    if (!ok) return 1;
    p = target;
  }
  int failed = run_product(p, a, b_memory, b_data, bias, c);
  if (p == &local) p_dnnl_primitive_destroy(local.primitive);
  return failed;
}

int32_t cdnnl_float_bits(float x) {
  int32_t bits;
  memcpy(&bits, &x, sizeof bits);
  return bits;
}

// MARK: - Plain products

static cdnnl_product_cache plain_cache = {PTHREAD_MUTEX_INITIALIZER, 0, {{{0}}}};

int cdnnl_matmul(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                 const float *b, int64_t ldb, const float *bias, float beta, float *c, int64_t ldc) {
  if (!cdnnl_available() || m <= 0 || n <= 0 || k <= 0) return 1;
  int64_t key[10] = {(ta != 0) | (bias ? 2 : 0), tb != 0, m, n, k, lda, ldb, ldc, cdnnl_float_bits(alpha),
                     cdnnl_float_bits(beta)};
  dnnl_memory_desc_t a_md, b_md, c_md;
  cdnnl_strided_md(&a_md, m, k, ta, lda);
  cdnnl_strided_md(&b_md, k, n, tb, ldb);
  cdnnl_strided_md(&c_md, m, n, 0, ldc);
  return cdnnl_run_cached(&plain_cache, key, &a_md, &b_md, &c_md, alpha, beta, a, NULL, b, bias, c);
}

#endif

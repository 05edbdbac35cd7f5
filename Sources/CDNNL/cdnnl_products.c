// oneDNN matmul primitives, created once per shape and cached, and the plain (unpacked) product.
#include "cdnnl_private.h"

#ifdef CDNNL_HAVE_ONEDNN

#include <stdatomic.h>
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
  static _Atomic uint64_t next_id = 1;
  p->id = atomic_fetch_add(&next_id, 1);
  p->scratch_size = p_dnnl_memory_desc_get_size(p_dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
  failed = p_dnnl_primitive_create(&p->primitive, pd) != dnnl_success;
  p_dnnl_primitive_desc_destroy(pd);
  return failed;
}

/// Points `*memory` at `data`, creating it with `md` first when there is none; 0 on success.
static int bind(dnnl_memory_t *memory, const dnnl_memory_desc_t *md, const void *data) {
  if (*memory) return p_dnnl_memory_set_data_handle(*memory, (void *)data) != dnnl_success;
  return p_dnnl_memory_create(memory, md, cdnnl_engine, (void *)data) != dnnl_success;
}

static void release(cdnnl_bound_memory *m) {
  dnnl_memory_t all[5] = {m->a, m->b, m->c, m->scratch, m->bias};
  for (int i = 0; i < 5; i++)
    if (all[i]) p_dnnl_memory_destroy(all[i]);
  *m = (cdnnl_bound_memory){0};
}

/// This thread's memory objects for p: its entry, or the least recently used one emptied for it.
static cdnnl_bound_memory *bound_memory(cdnnl_thread_state *t, const cdnnl_product *p) {
  cdnnl_bound_memory *found = NULL, *oldest = &t->bound[0];
  for (int i = 0; i < CDNNL_BOUND_ENTRIES && !found; i++) {
    if (t->bound[i].id == p->id) found = &t->bound[i];
    else if (t->bound[i].last_use < oldest->last_use) oldest = &t->bound[i];
  }
  if (!found) {
    release(oldest);
    found = oldest;
    found->id = p->id;
  }
  found->last_use = ++t->calls;
  return found;
}

/// Runs p on a, c, the weights memory b (NULL: b_data in p->b_md) and bias (when p has one),
/// with this thread's memory objects for p (`keep`: kept for the next call; else made for
/// this one, for a product that is itself destroyed after the call).
static int run_product(const cdnnl_product *p, const float *a, dnnl_memory_t b, const float *b_data, const float *bias,
                       float *c, int keep) {
  cdnnl_thread_state *t = cdnnl_this_thread();
  if (!t) return 1;
  void *s = cdnnl_scratch(t, p->scratch_size);
  if (p->scratch_size && !s) return 1;
  if (p->has_bias && !bias) return 1;
  cdnnl_bound_memory once = {0};
  cdnnl_bound_memory *m = keep ? bound_memory(t, p) : &once;
  dnnl_memory_desc_t bias_md, scratch_md;
  if (p->has_bias) bias_md_for(&bias_md, &p->c_md);
  if (p->scratch_size) {
    dnnl_dims_t dims = {(int64_t)p->scratch_size};
    dnnl_dims_t strides = {1};
    p_dnnl_memory_desc_init_by_strides(&scratch_md, 1, dims, dnnl_u8, strides);
  }
  int failed = bind(&m->a, &p->a_md, a) || bind(&m->c, &p->c_md, c) || (!b && bind(&m->b, &p->b_md, b_data)) ||
               (p->scratch_size && bind(&m->scratch, &scratch_md, s)) || (p->has_bias && bind(&m->bias, &bias_md, bias));
  if (!failed) {
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, m->a}, {DNNL_ARG_WEIGHTS, b ? b : m->b}, {DNNL_ARG_DST, m->c}};
    int count = 3;
    if (p->scratch_size) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, m->scratch};
    if (p->has_bias) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, m->bias};
    failed = p_dnnl_primitive_execute(p->primitive, t->stream, count, args) != dnnl_success;
  }
  if (failed || !keep) release(m);
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
  int failed = run_product(p, a, b_memory, b_data, bias, c, p != &local);
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

// Weights reordered once into the layout oneDNN's matmul kernel reads (format_tag_any), with the
// products that read them cached per row count m; their memory may be shared with other packed
// weights that take turns in it (cdnnl_packed_memory).
#include "cdnnl_private.h"

#ifdef CDNNL_HAVE_ONEDNN

#include <stdlib.h>

struct cdnnl_packed_memory {
  void *data;
  size_t size;
  /// The packed weights whose pack the memory holds (NULL: none).
  const cdnnl_packed *holder;
  /// The creator's reference and one per packed weights using it.
  int references;
};

cdnnl_packed_memory *cdnnl_packed_memory_create(void) {
  if (!cdnnl_available()) return NULL;
  cdnnl_packed_memory *memory = calloc(1, sizeof *memory);
  if (memory) memory->references = 1;
  return memory;
}

void cdnnl_packed_memory_release(cdnnl_packed_memory *memory) {
  if (!memory || --memory->references > 0) return;
  free(memory->data);
  free(memory);
}

/// Grows `memory` to at least `size` bytes (its content is lost); 0 on success.
static int cdnnl_packed_memory_reserve(cdnnl_packed_memory *memory, size_t size) {
  if (memory->size >= size) return 0;
  void *data = aligned_alloc(64, (size + 63) & ~(size_t)63);
  if (!data) return 1;
  free(memory->data);
  memory->data = data;
  memory->size = size;
  memory->holder = NULL;
  return 0;
}

struct cdnnl_packed {
  int64_t n, k;
  int transposed;
  dnnl_memory_desc_t packed_md;
  cdnnl_packed_memory *memory;
  size_t size;
  dnnl_memory_t weights;
  /// The reorder from the user's layout, for `reorder_ld`.
  dnnl_primitive_t reorder;
  int64_t reorder_ld;
  cdnnl_product_cache products;
};

cdnnl_packed *cdnnl_packed_create(int64_t n, int64_t k, int transposed, cdnnl_packed_memory *memory) {
  if (!cdnnl_available() || n <= 0 || k <= 0) return NULL;
  // The layout the primitive asks for (format_tag_any), chosen for a small recurrent product.
  dnnl_memory_desc_t a_md, b_md, c_md;
  int64_t m = 16;
  cdnnl_strided_md(&a_md, m, k, 0, k);
  dnnl_dims_t b_dims = {k, n};
  if (p_dnnl_memory_desc_init_by_tag(&b_md, 2, b_dims, dnnl_f32, dnnl_format_tag_any) != dnnl_success) return NULL;
  cdnnl_strided_md(&c_md, m, n, 0, n);
  cdnnl_product probe;
  if (cdnnl_make_product(&probe, &a_md, &b_md, &c_md, 1, 0, 0) != 0) return NULL;
  p_dnnl_primitive_destroy(probe.primitive);
  cdnnl_packed *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->n = n;
  p->k = k;
  p->transposed = transposed != 0;
  p->packed_md = probe.b_md;
  p->size = p_dnnl_memory_desc_get_size(&p->packed_md);
  if (memory) {
    memory->references++;
  } else if (!(memory = cdnnl_packed_memory_create())) {
    free(p);
    return NULL;
  }
  p->memory = memory;
  pthread_mutex_init(&p->products.lock, NULL);
  if (cdnnl_packed_memory_reserve(memory, p->size) != 0 ||
      p_dnnl_memory_create(&p->weights, &p->packed_md, cdnnl_engine, memory->data) != dnnl_success) {
    cdnnl_packed_memory_release(memory);
    pthread_mutex_destroy(&p->products.lock);
    free(p);
    return NULL;
  }
  return p;
}

int cdnnl_packed_pack(cdnnl_packed *p, const float *w, int64_t ldw) {
  cdnnl_thread_state *t = cdnnl_this_thread();
  if (!t) return 1;
  dnnl_memory_desc_t user_md;
  cdnnl_strided_md(&user_md, p->k, p->n, p->transposed, ldw);
  if (!p->reorder || p->reorder_ld != ldw) {
    if (p->reorder) p_dnnl_primitive_destroy(p->reorder);
    p->reorder = NULL;
    dnnl_primitive_desc_t rpd;
    if (p_dnnl_reorder_primitive_desc_create(&rpd, &user_md, cdnnl_engine, &p->packed_md, cdnnl_engine, NULL) != dnnl_success)
      return 1;
    int failed = p_dnnl_primitive_create(&p->reorder, rpd) != dnnl_success;
    p_dnnl_primitive_desc_destroy(rpd);
    if (failed) return 1;
    p->reorder_ld = ldw;
  }
  // Another user may have grown the shared memory since this one last packed.
  p->memory->holder = NULL;
  if (p_dnnl_memory_set_data_handle(p->weights, p->memory->data) != dnnl_success) return 1;
  dnnl_memory_t from;
  if (p_dnnl_memory_create(&from, &user_md, cdnnl_engine, (void *)w) != dnnl_success) return 1;
  dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, p->weights}};
  int failed = p_dnnl_primitive_execute(p->reorder, t->stream, 2, args) != dnnl_success;
  p_dnnl_memory_destroy(from);
  if (!failed) p->memory->holder = p;
  return failed;
}

int cdnnl_packed_multiply(cdnnl_packed *p, int64_t m, float alpha, const float *a, int64_t lda, const float *bias,
                          float beta, float *c, int64_t ldc) {
  if (m <= 0) return 0;
  if (p->memory->holder != p) return 1;  // another pack has overwritten this one's
  int64_t key[10] = {bias ? 2 : 0, 0, m, p->n, p->k, lda, 0, ldc, cdnnl_float_bits(alpha), cdnnl_float_bits(beta)};
  dnnl_memory_desc_t a_md, c_md;
  cdnnl_strided_md(&a_md, m, p->k, 0, lda);
  cdnnl_strided_md(&c_md, m, p->n, 0, ldc);
  return cdnnl_run_cached(&p->products, key, &a_md, &p->packed_md, &c_md, alpha, beta, a, p->weights, NULL, bias, c);
}

size_t cdnnl_packed_size(const cdnnl_packed *p) { return p ? p->size : 0; }

void cdnnl_packed_destroy(cdnnl_packed *p) {
  if (!p) return;
  for (int i = 0; i < p->products.count; i++) p_dnnl_primitive_destroy(p->products.entries[i].primitive);
  if (p->reorder) p_dnnl_primitive_destroy(p->reorder);
  p_dnnl_memory_destroy(p->weights);
  pthread_mutex_destroy(&p->products.lock);
  if (p->memory->holder == p) p->memory->holder = NULL;
  cdnnl_packed_memory_release(p->memory);
  free(p);
}

#endif

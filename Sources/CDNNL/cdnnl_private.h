// Shared by the CDNNL sources (not part of the module's header): whether oneDNN 2.x is there
// to build against, the entry points loaded from libdnnl.so.2, the per-thread state and the
// cached matmul primitives.
#ifndef CDNNL_PRIVATE_H
#define CDNNL_PRIVATE_H

#include "cdnnl.h"

#if defined(__linux__) && defined(__x86_64__) && defined(__has_include)
#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>
#if DNNL_VERSION_MAJOR == 2
#define CDNNL_HAVE_ONEDNN 1
#endif
#endif
#endif

#ifdef CDNNL_HAVE_ONEDNN

#include <pthread.h>

#define CDNNL_HIDDEN __attribute__((visibility("hidden")))

// MARK: - Loaded entry points (cdnnl_loader.c)

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
  X(dnnl_memory_set_data_handle)                                                                                      \
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


#define CDNNL_DECLARE(f) extern CDNNL_HIDDEN __typeof__(f) *p_##f;
CDNNL_FUNCTIONS(CDNNL_DECLARE)
#undef CDNNL_DECLARE

/// The CPU engine every primitive and memory object is made for (valid once cdnnl_available()).
extern CDNNL_HIDDEN dnnl_engine_t cdnnl_engine;

/// The memory objects one thread runs one product with, kept across calls: only their data
/// handles change. Creating and destroying them for every call cost ~5 µs a product (a 1 × 256
/// forward recurrence's products 2.59 → 2.26 ms on a 2-thread Zen 5 once kept).
typedef struct {
  /// The product's id (cdnnl_product.id), 0 for a free entry.
  uint64_t id;
  /// The thread's call count at the entry's last use (the least recent is replaced).
  uint64_t last_use;
  dnnl_memory_t a, b, c, scratch, bias;
} cdnnl_bound_memory;

enum { CDNNL_BOUND_ENTRIES = 32 };

/// The calling thread's stream and scratch memory; OpenMP kept at one thread for it.
typedef struct {
  dnnl_stream_t stream;
  void *scratch;
  size_t scratch_size;
  cdnnl_bound_memory bound[CDNNL_BOUND_ENTRIES];
  uint64_t calls;
} cdnnl_thread_state;

/// This thread's state, its stream created on first use (NULL when that fails).
CDNNL_HIDDEN cdnnl_thread_state *cdnnl_this_thread(void);

/// At least `size` bytes of this thread's scratch memory (64-byte aligned), or NULL.
CDNNL_HIDDEN void *cdnnl_scratch(cdnnl_thread_state *t, size_t size);

// MARK: - Matmul primitives (cdnnl_products.c)

/// A matmul primitive for one shape, with the layouts of its a and c (b's is the primitive's).
typedef struct {
  int64_t key[10];
  /// Unique for the process's life (never reused, unlike the address): names the product in
  /// each thread's cdnnl_bound_memory.
  uint64_t id;
  dnnl_primitive_t primitive;
  dnnl_memory_desc_t a_md, b_md, c_md;
  size_t scratch_size;
  /// Whether the primitive adds a bias row (n) to every row of c.
  int has_bias;
} cdnnl_product;

/// A fixed-size cache of products, filled once per shape and never evicted (a product may be
/// running on another thread); beyond its capacity products are built for one call.
typedef struct {
  pthread_mutex_t lock;
  int count;
  cdnnl_product entries[64];
} cdnnl_product_cache;

/// A row-major (rows, columns) f32 descriptor; transposed: stored column-major with leading
/// dimension ld.
CDNNL_HIDDEN void cdnnl_strided_md(dnnl_memory_desc_t *md, int64_t rows, int64_t columns, int transposed, int64_t ld);

/// Creates the primitive for c (m, n) = alpha · a · b (+ bias) + beta · c with the given
/// descriptors (a bias row of n floats when has_bias, with alpha 1 only); b_md may have
/// format_tag_any (then product->b_md is the layout chosen). 0 on success.
CDNNL_HIDDEN int cdnnl_make_product(cdnnl_product *p, const dnnl_memory_desc_t *a_md, const dnnl_memory_desc_t *b_md,
                                    const dnnl_memory_desc_t *c_md, float alpha, float beta, int has_bias);

/// Runs c = alpha · a · b (+ bias) + beta · c with the product cached in `cache` for (key,
/// descriptors), creating it on first use; b is the weights memory `b_memory`, or (NULL) `b_data`
/// in b_md's layout; bias (n floats) or NULL. The key must tell products with and without a
/// bias apart. 0 on success.
CDNNL_HIDDEN int cdnnl_run_cached(cdnnl_product_cache *cache, const int64_t key[10], const dnnl_memory_desc_t *a_md,
                                  const dnnl_memory_desc_t *b_md, const dnnl_memory_desc_t *c_md, float alpha,
                                  float beta, const float *a, dnnl_memory_t b_memory, const float *b_data,
                                  const float *bias, float *c);

/// The bits of x, for a cache key.
CDNNL_HIDDEN int32_t cdnnl_float_bits(float x);

#endif  // CDNNL_HAVE_ONEDNN
#endif  // CDNNL_PRIVATE_H

// CDNNL: the few oneDNN (libdnnl 2.x) matrix products charlm uses, behind a header with only
// stdint/stddef types, so Swift never sees dnnl.h. The library is opened at run time
// (dlopen "libdnnl.so.2"): a machine without it builds and runs charlm on BLAS.
//
// Every product is row-major, single precision, single-threaded per call (charlm's own threads
// split the work), and returns 0 on success, non-zero when oneDNN cannot run it (the caller
// then uses BLAS).
#ifndef CDNNL_H
#define CDNNL_H

#include <stddef.h>
#include <stdint.h>

/// 1 when libdnnl.so.2 loaded and a CPU engine was created (done once, thread-safe).
int cdnnl_available(void);

/// oneDNN's version, e.g. "2.6.3", or "" when unavailable.
const char *cdnnl_version(void);

/// The instruction set oneDNN's generated kernels use, e.g. "avx512_core_bf16", or "".
const char *cdnnl_isa(void);

/// c (m, n) = alpha · op(a) · op(b) + bias + beta · c, where a is (m, k) or, transposed, (k, m)
/// with leading dimension lda, b is (k, n) or, transposed, (n, k) with leading dimension ldb, and
/// bias (n floats, added to every row; NULL: none) needs alpha 1.
int cdnnl_matmul(int transpose_a, int transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                 int64_t lda, const float *b, int64_t ldb, const float *bias, float beta, float *c, int64_t ldc);

/// Weights reordered once into the layout oneDNN's matmul kernel reads, for many products
/// c (m, n) = alpha · a (m, k) · op(w) + beta · c with a varying m.
typedef struct cdnnl_packed cdnnl_packed;

/// Memory that several packed weights take turns in: a pack into it makes that packed
/// weights' copy the current one, and the others' multiply fails (the caller falls back) until
/// they pack again. W_hh's forward and backward copies of every layer share one: they are used
/// one after the other, each packed right before its products.
typedef struct cdnnl_packed_memory cdnnl_packed_memory;

/// A new, empty shared memory (NULL when oneDNN is unavailable); release it with
/// cdnnl_packed_memory_release. It lives until its last user is destroyed.
cdnnl_packed_memory *cdnnl_packed_memory_create(void);
void cdnnl_packed_memory_release(cdnnl_packed_memory *memory);

/// Packed weights for op(w) of shape (k, n): w is (n, k) row-major when `transposed`, else
/// (k, n), in `memory` (grown to fit) or, when NULL, in memory of their own. Returns NULL when
/// oneDNN is unavailable or cannot build the product.
cdnnl_packed *cdnnl_packed_create(int64_t n, int64_t k, int transposed, cdnnl_packed_memory *memory);

/// Reorders w (leading dimension ldw) into the packed layout; call again when w changes.
int cdnnl_packed_pack(cdnnl_packed *packed, const float *w, int64_t ldw);

/// c = alpha · a · op(w) + bias + beta · c with the weights of the last pack; bias (n floats,
/// added to every row; NULL: none) needs alpha 1. Thread-safe: several threads may multiply with
/// the same packed weights at once. Non-zero (nothing written) when another packed weights has
/// packed into their shared memory since.
int cdnnl_packed_multiply(cdnnl_packed *packed, int64_t m, float alpha, const float *a, int64_t lda,
                          const float *bias, float beta, float *c, int64_t ldc);

/// Bytes the packed weights occupy.
size_t cdnnl_packed_size(const cdnnl_packed *packed);

void cdnnl_packed_destroy(cdnnl_packed *packed);

#endif

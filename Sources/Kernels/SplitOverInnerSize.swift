/// c (m, n) += aᵀ · b, with a (k, m) and b (k, n) row-major: a weight gradient, summed over the
/// k = T·B rows of a chunk (∂W_hh += ∂gatesᵀ·h, ∂W_head += ∂logitsᵀ·h, …).
///
/// - a: leading dimension `lda` (≥ m).   - b: leading dimension `ldb`.   - c: leading dimension `ldc`.
/// - scratch: (threads − 1)·m·n floats the call may overwrite, or nil.
///
/// ``matmul`` would split such a product by rows of c, which hands each thread a slice of a's
/// columns: a strided transposed operand, for which oneDNN 2.6 leaves its brgemm kernels for
/// the older gemm:jit ones. Measured on one core of an AMD EPYC (Zen 5, AVX-512), ∂W_hh of a
/// 1 × 256 step: 512 × 256 × 2048 with lda 1024, 181 GFLOP/s; the whole 1024 × 256 × 2048,
/// 223; 1024 × 256 × 1024 (half the rows of a), 228. So with `scratch` the split is over k
/// instead: thread 0 adds its rows' sum into c, thread i > 0 writes its own into scratch, and
/// the partial sums are then added to c in thread order — deterministic for a thread count, and
/// each partial sum runs dense, on the faster kernel. Without scratch (or on one thread) it is
/// ``matmul`` with `beta` 1.
public func addTransposedProduct(
  m: Int, n: Int, k: Int,
  a: UnsafePointer<Float>, lda: Int,
  b: UnsafePointer<Float>, ldb: Int,
  c: UnsafeMutablePointer<Float>, ldc: Int,
  scratch: UnsafeMutableBufferPointer<Float>?
) {
  let parts = min(Parallelism.threads, k / max(minimumRowSlice(n: n, k: m), 1))
  guard parts > 1, let scratch, let base = scratch.baseAddress, scratch.count >= (parts - 1) * m * n else {
    matmul(transposeA: true, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c, ldc: ldc)
    return
  }
  Parallelism.forEachSlice(of: parts) { slice in
    for part in slice {
      let rows = Parallelism.slice(part, of: parts, count: k)
      productOnOneThread(
        transposeA: true, transposeB: false, m: m, n: n, k: rows.count, alpha: 1, a: a + rows.lowerBound * lda,
        lda: lda, b: b + rows.lowerBound * ldb, ldb: ldb, beta: part == 0 ? 1 : 0,
        c: part == 0 ? c : base + (part - 1) * m * n, ldc: part == 0 ? ldc : n)
    }
  }
  for part in 1..<parts {
    let partial = base + (part - 1) * m * n
    if ldc == n {
      VectorOps.add(partial, to: c, count: m * n)
    } else {
      for i in 0..<m { VectorOps.add(partial + i * n, to: c + i * ldc, count: n) }
    }
  }
}

/// A weight gradient's product split over the threads by its inner size k instead of the rows of
/// c: each thread multiplies a contiguous range of k, thread 0 into c and thread i > 0 into its
/// own part of `scratch`, and the partial sums are then added to c in thread order
/// (deterministic for a thread count). Without enough scratch, with scratch that overlaps c, or
/// on one thread, it is ``matmul``.
///
/// Why: oneDNN 2.6 chooses its kernel by the operands' layout. Measured on one core of an AMD
/// EPYC (Zen 5, AVX-512), GFLOP/s:
/// - a weight gradient c += aᵀ·b (∂W_hh of a 1 × 256 step): a row slice of c, 512 × 256 × 2048
///   with lda 1024 (a strided transposed operand), gemm:jit at 181; the whole 1024 × 256 × 2048,
///   223; half of k, 1024 × 256 × 1024, brgemm at 228.

/// c (m, n) += aᵀ · b, with a (k, m) and b (k, n) row-major: a weight gradient, summed over the
/// k = T·B rows of a chunk (∂W_hh += ∂gatesᵀ·h, ∂W_head += ∂logitsᵀ·h, …).
///
/// - a: leading dimension `lda` (≥ m).   - b: leading dimension `ldb`.   - c: leading dimension `ldc`.
/// - scratch: (threads − 1)·m·n floats the call may overwrite, or nil.
public func addTransposedProduct(
  m: Int, n: Int, k: Int,
  a: UnsafePointer<Float>, lda: Int,
  b: UnsafePointer<Float>, ldb: Int,
  c: UnsafeMutablePointer<Float>, ldc: Int,
  scratch: UnsafeMutableBufferPointer<Float>?
) {
  let split = splitOverInnerSize(m: m, n: n, k: k, c: c, ldc: ldc, scratch: scratch) { range, intoC, out, ldOut in
    productOnOneThread(
      transposeA: true, transposeB: false, m: m, n: n, k: range.count, alpha: 1, a: a + range.lowerBound * lda,
      lda: lda, b: b + range.lowerBound * ldb, ldb: ldb, beta: intoC ? 1 : 0, c: out, ldc: ldOut)
  }
  if !split { matmul(transposeA: true, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c, ldc: ldc) }
}

/// Runs `product(range of k, into c?, output, its leading dimension)` for each thread's part of
/// k — part 0 into c (with the caller's beta), the others into scratch (beta 0) — then adds the
/// partial sums to c in order. False, having run nothing, when it
/// cannot split (one part, too little scratch, or scratch overlapping c).
private func splitOverInnerSize(
  m: Int, n: Int, k: Int, c: UnsafeMutablePointer<Float>, ldc: Int, scratch: UnsafeMutableBufferPointer<Float>?,
  product: (Range<Int>, Bool, UnsafeMutablePointer<Float>, Int) -> Void
) -> Bool {
  let parts = min(Parallelism.threads, k / max(minimumRowSlice(n: n, k: m), 1))
  guard parts > 1, let scratch, let base = scratch.baseAddress, scratch.count >= (parts - 1) * m * n else {
    return false
  }
  let (scratchStart, scratchEnd) = (UnsafeRawPointer(base), UnsafeRawPointer(base + (parts - 1) * m * n))
  let (cStart, cEnd) = (UnsafeRawPointer(c), UnsafeRawPointer(c + (m - 1) * ldc + n))
  guard scratchEnd <= cStart || cEnd <= scratchStart else { return false }
  Parallelism.forEachPart(parts, of: k) { part, range in
    if part == 0 {
      product(range, true, c, ldc)
    } else {
      product(range, false, base + (part - 1) * m * n, n)
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
  return true
}

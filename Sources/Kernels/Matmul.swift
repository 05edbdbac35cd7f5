import CKernels

#if canImport(Accelerate)
  import Accelerate
#else
  import CBLAS
#endif
#if canImport(CDNNL)
  import CDNNL
#endif

/// Row-major single-precision matrix product:
/// `c = alpha · op(a) · op(b) + bias + beta · c`, where `op(x)` is `x` or its transpose.
///
/// - a: (M, K) row-major when `transposeA` is false, else (K, M); leading dimension `lda`.
/// - b: (K, N) row-major when `transposeB` is false, else (N, K); leading dimension `ldb`.
/// - bias: N values added to every row of c (a layer's bias: oneDNN adds it as the product
///   writes c, with no pass of its own over c), or nil.
/// - c: (M, N) row-major; leading dimension `ldc`.
///
/// This is the one door to the products of ``ComputeBackend/current`` (oneDNN's matmul primitive
/// or `cblas_sgemm`); ``matmulNaive`` is its specification. The backend runs single-threaded; a
/// large product is split here into slices of rows of `c` (or of columns, when there are few
/// rows), one per thread (see ``Parallelism``). Each element of `c` is computed by one call
/// either way. Weights reused for many products go through ``PackedWeights`` instead.
@inlinable
public func matmul(
  transposeA: Bool = false, transposeB: Bool = false,
  m: Int, n: Int, k: Int,
  alpha: Float = 1,
  a: UnsafePointer<Float>, lda: Int,
  b: UnsafePointer<Float>, ldb: Int,
  bias: UnsafePointer<Float>? = nil,
  beta: Float = 0,
  c: UnsafeMutablePointer<Float>, ldc: Int
) {
  let minimumSlice = minimumRowSlice(n: n, k: k)
  if Parallelism.threads > 1 && m >= 2 * minimumSlice {
    Parallelism.forEachSlice(of: m, minimumSliceSize: minimumSlice) { rows in
      let r0 = rows.lowerBound
      productOnOneThread(
        transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: alpha,
        a: transposeA ? a + r0 : a + r0 * lda, lda: lda, b: b, ldb: ldb, bias: bias, beta: beta, c: c + r0 * ldc,
        ldc: ldc)
    }
    return
  }
  let minimumColumns = max(16, 1_000_000 / max(2 * m * k, 1))
  if Parallelism.threads > 1 && n >= 2 * minimumColumns {
    Parallelism.forEachSlice(of: n, minimumSliceSize: minimumColumns) { columns in
      let c0 = columns.lowerBound
      productOnOneThread(
        transposeA: transposeA, transposeB: transposeB, m: m, n: columns.count, k: k, alpha: alpha,
        a: a, lda: lda, b: transposeB ? b + c0 * ldb : b + c0, ldb: ldb, bias: bias.map { $0 + c0 }, beta: beta,
        c: c + c0, ldc: ldc)
    }
    return
  }
  productOnOneThread(
    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
    a: a, lda: lda, b: b, ldb: ldb, bias: bias, beta: beta, c: c, ldc: ldc)
}

/// The fewest rows of `c` a thread's slice of a product with `n` columns and inner size `k`
/// gets: only work worth a thread hand-off (~1 MFLOP per slice at least) is split.
@inlinable
public func minimumRowSlice(n: Int, k: Int) -> Int { max(16, 1_000_000 / max(2 * n * k, 1)) }

/// One single-threaded product on ``ComputeBackend/current``, as documented at ``matmul``;
/// BLAS when oneDNN cannot run it.
@usableFromInline
func productOnOneThread(
  transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>? = nil,
  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
  #if canImport(CDNNL)
    if ComputeBackend.current == .onednn, m > 0, n > 0, k > 0,
      cdnnl_matmul(
        transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb),
        bias, beta, c, Int64(ldc)) == 0
    {
      return
    }
  #endif
  blasMatmul(
    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
    a: a, lda: lda, b: b, ldb: ldb, bias: bias, beta: beta, c: c, ldc: ldc)
}

/// One single-threaded `cblas_sgemm` call (row-major), as documented at ``matmul``. BLAS has no
/// bias: with one, c = bias + beta · c is written first and the product accumulates into it.
@inlinable
func blasMatmul(
  transposeA: Bool = false, transposeB: Bool = false,
  m: Int, n: Int, k: Int,
  alpha: Float = 1,
  a: UnsafePointer<Float>, lda: Int,
  b: UnsafePointer<Float>, ldb: Int,
  bias: UnsafePointer<Float>? = nil,
  beta: Float = 0,
  c: UnsafeMutablePointer<Float>, ldc: Int
) {
  guard m > 0, n > 0 else { return }
  var beta = beta
  if let bias {
    for i in 0..<m {
      let row = c + i * ldc
      if beta == 0 {
        row.update(from: bias, count: n)
      } else {
        for j in 0..<n { row[j] = beta * row[j] + bias[j] }
      }
    }
    beta = 1
  }
  guard k > 0 else {
    scaleInPlace(c, rows: m, columns: n, ld: ldc, by: beta)
    return
  }
  cblas_sgemm(
    CblasRowMajor,
    transposeA ? CblasTrans : CblasNoTrans,
    transposeB ? CblasTrans : CblasNoTrans,
    blasInt(m), blasInt(n), blasInt(k),
    alpha, a, blasInt(lda), b, blasInt(ldb),
    beta, c, blasInt(ldc))
}

/// Row-major matrix–vector product: `y = alpha · op(a) · x + beta · y`.
///
/// - a: (M, N) row-major with leading dimension `lda`; `op(a)` is `a` or its transpose.
/// - x: N values (or M when transposed); y: M values (or N when transposed).
///
/// A product reads each element of `a` once, so it is bound by memory bandwidth. It runs on
/// charlm's own kernel at the CPU's width, or on BLAS (``matvecRows(rows:n:alpha:a:lda:x:beta:y:)``;
/// the transposed form always on BLAS), split by rows over the threads as ``matvecs(_:_:_:)``
/// splits.
@inlinable
public func matvec(
  transposeA: Bool = false, m: Int, n: Int, alpha: Float = 1,
  a: UnsafePointer<Float>, lda: Int,
  x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
) {
  guard m > 0, n > 0 else { return }
  guard !transposeA else {
    cblas_sgemv(CblasRowMajor, CblasTrans, blasInt(m), blasInt(n), alpha, a, blasInt(lda), x, 1, beta, y, 1)
    return
  }
  matvecs(MatvecTerm(m: m, n: n, alpha: alpha, a: a, lda: lda, x: x, beta: beta, y: y))
}

/// One matrix–vector product of ``matvecs(_:_:_:)``: y (M) = alpha · a (M, N) · x (N) + beta · y.
public struct MatvecTerm {
  /// M, N.
  public let m: Int, n: Int
  public let alpha: Float
  /// (M, N) row-major, leading dimension `lda`.
  public let a: UnsafePointer<Float>
  public let lda: Int
  /// (N).
  public let x: UnsafePointer<Float>
  public let beta: Float
  /// (M).
  public let y: UnsafeMutablePointer<Float>

  public init(
    m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>, beta: Float = 0,
    y: UnsafeMutablePointer<Float>
  ) {
    (self.m, self.n, self.alpha, self.a, self.lda, self.x, self.beta, self.y) = (m, n, alpha, a, lda, x, beta, y)
  }
}

/// Up to three matrix–vector products in one hand-off to the threads rather than one each: a
/// recurrent layer's step (x·W_ihᵀ, then h·W_hhᵀ with `beta` 1 into the same y) with a product
/// for the next step beside them. Each thread runs the terms in order on its slice of each
/// term's rows (nil terms are skipped).
///
/// Products of at least ``matvecSplitMinimum`` elements in all are split: a core alone does not
/// saturate the bus. Slices start at multiples of ``matvecRowAlignment`` rows, so every row is
/// summed by the same kernel in the same order whatever the thread count, and whichever terms
/// share the hand-off: bit for bit the 1-thread product's, term by term, and sampled text does
/// not depend on `--threads`.
@inlinable
public func matvecs(_ first: MatvecTerm?, _ second: MatvecTerm? = nil, _ third: MatvecTerm? = nil) {
  func elements(_ term: MatvecTerm?) -> Int { term.map { $0.m * $0.n } ?? 0 }
  func blocks(_ term: MatvecTerm?) -> Int { term.map { ($0.m + matvecRowAlignment - 1) / matvecRowAlignment } ?? 0 }
  // At least 64 rows of the largest term per thread.
  let parts =
    elements(first) + elements(second) + elements(third) >= matvecSplitMinimum
    ? min(Parallelism.threads, max(blocks(first), blocks(second), blocks(third)) * matvecRowAlignment / 64) : 1
  let body = { (part: Int, parts: Int) in
    func run(_ term: MatvecTerm?) {
      guard let term, term.n > 0 else { return }
      let slice = Parallelism.slice(part, of: parts, count: blocks(term))
      let rows = (slice.lowerBound * matvecRowAlignment)..<min(slice.upperBound * matvecRowAlignment, term.m)
      matvecRows(
        rows: rows, n: term.n, alpha: term.alpha, a: term.a, lda: term.lda, x: term.x, beta: term.beta, y: term.y)
    }
    run(first)
    run(second)
    run(third)
  }
  guard parts > 1 else { return body(0, 1) }
  Parallelism.forEachSlice(of: parts) { slice in
    for part in slice { body(part, parts) }
  }
}

/// y[rows] = alpha · a[rows, 0..<n] · x + beta · y[rows] on one thread (see ``matvec``): charlm's
/// `ckernels_gemv` on the oneDNN backend where the CPU has AVX2 or AVX-512 (``KernelISA``), else
/// one `cblas_sgemv` call (the reference, and faster than the portable SSE2 body: 2 × 512
/// sampling 10.8k against 7.9k symbols/s on a Zen 5).
///
/// Why not OpenBLAS everywhere: two threads calling its `sgemv` at once (a split) ran 10–20%
/// slower than two calls of charlm's kernel (Zen 5, 2 threads, symbols/s: Tang 15.9–16.6k →
/// 18.5–19.5k, 2 × 512 11.9k → 11.7–13.2k, 1 × 256 115–120k → 116–139k), and it runs at the
/// width `OPENBLAS_CORETYPE` allows, not the CPU's.
@usableFromInline
func matvecRows(
  rows: Range<Int>, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
  beta: Float, y: UnsafeMutablePointer<Float>
) {
  guard !rows.isEmpty, n > 0 else { return }
  if ComputeBackend.current == .onednn && KernelISA.current != .portable {
    ckernels_gemv(
      KernelISA.current.code, a + rows.lowerBound * lda, Int64(lda), x, alpha, beta, y + rows.lowerBound,
      Int64(rows.count), Int64(n))
  } else {
    cblas_sgemv(
      CblasRowMajor, CblasNoTrans, blasInt(rows.count), blasInt(n), alpha, a + rows.lowerBound * lda, blasInt(lda),
      x, 1, beta, y + rows.lowerBound, 1)
  }
}

/// Rows at which ``matvec`` may start a thread's slice: a multiple of every row-block size of
/// the BLAS `sgemv` kernels (OpenBLAS's sum 4 or 8 rows at a time, and a remainder row by row),
/// so that a row is never moved from a block into the remainder by a split. (charlm's kernel
/// sums every row in the same order whatever its block, so it needs no alignment.)
public let matvecRowAlignment = 16

/// Elements (M·N) from which ``matvec`` splits a product over the threads: 64K (256 KiB).
/// Sampling one stream, 2 threads of an AMD EPYC Zen 5 (AVX-512, L2 1 MiB per core), symbols/s,
/// runs alternated: 1 × 256 (a layer's 1024 × 320 products unsplit below 1M) 53–54k at 1M,
/// 108–112k at 256K; Tang 1 × 256 11.4–12.4k and 16.2k; 2 × 128 (512 × 192 and 512 × 256)
/// 79–94k at 256K, 133–147k at 64K. With 4 and 10 busy loops beside it on the 2 cores the split
/// was as fast or faster (1 × 256: 22k → 24–32k at load 4, 9.2–10.4k → 10.7–11.4k at load 10;
/// 2 × 128 at load 4: 31–33k and 30–35k), where a Zen 4 of an earlier session had measured a
/// 1 × 256 split 25–35% slower at load 10, before the worker team's current join. Below 64K the
/// ~1 µs hand-off outweighs half of a product that takes ~2 µs.
public let matvecSplitMinimum = 1 << 16

/// The specification of ``matmul``: three plain loops, accumulated in Double.
/// Used by tests only; never on a hot path.
public func matmulNaive(
  transposeA: Bool = false, transposeB: Bool = false,
  m: Int, n: Int, k: Int,
  alpha: Float = 1,
  a: UnsafePointer<Float>, lda: Int,
  b: UnsafePointer<Float>, ldb: Int,
  bias: UnsafePointer<Float>? = nil,
  beta: Float = 0,
  c: UnsafeMutablePointer<Float>, ldc: Int
) {
  for i in 0..<m {
    for j in 0..<n {
      var sum = 0.0
      for p in 0..<k {
        let av = transposeA ? a[p * lda + i] : a[i * lda + p]
        let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
        sum += Double(av) * Double(bv)
      }
      let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
      c[i * ldc + j] = Float(Double(alpha) * sum + Double(bias?[j] ?? 0) + old)
    }
  }
}

@inlinable
func scaleInPlace(_ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ld: Int, by beta: Float) {
  for i in 0..<rows {
    for j in 0..<columns { c[i * ld + j] = beta == 0 ? 0 : beta * c[i * ld + j] }
  }
}

#if canImport(Accelerate)
  @usableFromInline typealias BLASInt = Int32
#else
  @usableFromInline typealias BLASInt = blasint
#endif

@inlinable
func blasInt(_ x: Int) -> BLASInt { BLASInt(x) }

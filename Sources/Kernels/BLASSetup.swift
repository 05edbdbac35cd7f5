#if canImport(Accelerate)
  import Accelerate
#else
  import CBLAS
#endif

// BLAS's process-wide set-up, apart from the products (Matmul.swift) and the thread split
// (Parallelism.swift): both of those depend on nothing here, and this file on both.

extension Parallelism {
  /// Sets charlm's thread count (``setThreads(_:)``), keeps BLAS itself on one thread, and
  /// warms BLAS up once (``warmUpBLAS()``): what a program does once before any math.
  public static func configure(threads count: Int) {
    setThreads(count)
    setBLASThreads(1)
    warmUpBLAS()
  }
}

/// Sets the number of threads BLAS may use (OpenBLAS); a no-op with Accelerate.
public func setBLASThreads(_ count: Int) {
  #if !canImport(Accelerate)
    openblas_set_num_threads(Int32(max(1, count)))
  #endif
}

nonisolated(unsafe) private var blasWarmedUp = false

/// Runs one 512 × 512 × 512 product split over the threads, once per process, before any
/// real work.
///
/// Measured with OpenBLAS 0.3.21 (Zen kernels, 2 AMD EPYC cores): when the first products a
/// process ran were small (the folded embedding's 65-row ones), all later products ran up to
/// twice as slowly for the rest of the process (`charlm train`, 1 × 256: 10–13k symbols/s
/// against 19–27k with this warm-up, same binary, runs alternated). A 256³ warm-up did not
/// help; 512³ and 1024³ did. Where in OpenBLAS this comes from (its buffer pool, most likely)
/// was not established. Costs a few milliseconds and 3 MiB, once.
public func warmUpBLAS() {
  guard !blasWarmedUp else { return }
  blasWarmedUp = true
  let n = 512
  let (a, b, c) = (FloatBuffer(count: n * n), FloatBuffer(count: n * n), FloatBuffer(count: n * n))
  matmul(m: n, n: n, k: n, a: a.pointer, lda: n, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
}

/// OpenBLAS's name for the kernels it chose, e.g. "Haswell" ("Accelerate" on Apple platforms).
public func blasCoreName() -> String {
  #if canImport(Accelerate)
    return "Accelerate"
  #else
    return openblas_get_corename().map { String(cString: $0) } ?? "unknown"
  #endif
}

/// A short description of the BLAS in use, e.g. "OpenBLAS (core Zen)". BLAS runs
/// single-threaded; charlm's own threads split the work (see ``Parallelism``).
public func blasDescription() -> String {
  #if canImport(Accelerate)
    return "Accelerate"
  #else
    return "OpenBLAS (core \(blasCoreName()))"
  #endif
}

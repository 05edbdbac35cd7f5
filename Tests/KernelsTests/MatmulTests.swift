import Kernels
import TestSupport
import Testing

@testable import Kernels

/// `matmul` on every backend the machine has (BLAS, oneDNN) against `matmulNaive` (three loops
/// in Double), its specification.
@Suite struct MatmulTests {
  /// One product: shapes, transposes, scalars and padding of the leading dimensions.
  struct Case: CustomTestStringConvertible, Sendable {
    var transposeA = false, transposeB = false
    var m: Int, n: Int, k: Int
    var alpha: Float = 1, beta: Float = 0
    /// Extra columns beyond the stored width of a, b and c (lda = width + pad).
    var pad = 0
    /// Whether a bias row is added (alpha 1 only: oneDNN takes a bias with no scale).
    var bias = false
    var testDescription: String {
      "\(transposeA ? "Aᵀ" : "A")·\(transposeB ? "Bᵀ" : "B") \(m)×\(n)×\(k) α\(alpha) β\(beta) pad \(pad)"
        + (bias ? " + bias" : "")
    }
  }

  static let cases: [Case] = {
    var cases: [Case] = []
    for (tA, tB) in [(false, false), (false, true), (true, false), (true, true)] {
      for (m, n, k) in [(1, 1, 1), (7, 5, 3), (33, 17, 65)] {
        cases.append(Case(transposeA: tA, transposeB: tB, m: m, n: n, k: k))
        cases.append(Case(transposeA: tA, transposeB: tB, m: m, n: n, k: k, alpha: -0.75, beta: 1.5, pad: 3))
      }
      cases.append(Case(transposeA: tA, transposeB: tB, m: 9, n: 4, k: 11, alpha: 2, beta: 1, pad: 5))
      // The head's product (logits = h·W_headᵀ + b_head), and a bias under beta.
      cases.append(Case(transposeA: tA, transposeB: tB, m: 33, n: 17, k: 65, pad: 2, bias: true))
      cases.append(Case(transposeA: tA, transposeB: tB, m: 7, n: 5, k: 3, beta: 0.5, bias: true))
    }
    // Large enough to be split over the threads by rows, and (few rows) by columns.
    cases.append(Case(transposeB: true, m: 600, n: 65, k: 64, pad: 1, bias: true))
    cases.append(Case(transposeB: true, m: 4, n: 4000, k: 64, bias: true))
    return cases
  }()

  /// A matrix of `rows` × `columns` stored with leading dimension `columns + pad`; the padding
  /// is NaN, so reading it poisons the result.
  static func matrix(rows: Int, columns: Int, pad: Int, rng: inout SeededGenerator) -> [Float] {
    var values = [Float](repeating: .nan, count: rows * (columns + pad))
    for r in 0..<rows {
      for j in 0..<columns { values[r * (columns + pad) + j] = rng.nextUnitFloat() * 2 - 1 }
    }
    return values
  }

  /// Runs both implementations on the same inputs; returns (fast, naive) c arrays, padding included.
  static func run(
    _ c: Case, backend: ComputeBackend = .blas, seed: UInt64 = 1
  ) -> (fast: [Float], naive: [Float], ldc: Int) {
    var rng = SeededGenerator(seed: seed)
    let (aRows, aColumns) = c.transposeA ? (c.k, c.m) : (c.m, c.k)
    let (bRows, bColumns) = c.transposeB ? (c.n, c.k) : (c.k, c.n)
    let a = matrix(rows: aRows, columns: aColumns, pad: c.pad, rng: &rng)
    let b = matrix(rows: bRows, columns: bColumns, pad: c.pad, rng: &rng)
    // c's padding holds a sentinel that must survive; its body holds values beta scales.
    var c0 = matrix(rows: c.m, columns: c.n, pad: c.pad, rng: &rng).map { $0.isNaN ? 12345 : $0 }
    if c.beta == 0 { c0 = c0.map { $0 == 12345 ? $0 : .nan } }  // beta = 0 must not read c
    let (lda, ldb, ldc) = (aColumns + c.pad, bColumns + c.pad, c.n + c.pad)
    let bias = c.bias ? matrix(rows: 1, columns: c.n, pad: 0, rng: &rng) : []
    var fast = c0
    var naive = c0
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        fast.withUnsafeMutableBufferPointer { out in
          bias.withUnsafeBufferPointer { bias in
            ComputeBackend.with(backend) {
              Parallelism.withThreads(2) {
                matmul(
                  transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k,
                  alpha: c.alpha, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                  bias: c.bias ? bias.baseAddress! : nil, beta: c.beta, c: out.baseAddress!, ldc: ldc)
              }
            }
          }
        }
        naive.withUnsafeMutableBufferPointer { out in
          bias.withUnsafeBufferPointer { bias in
            matmulNaive(
              transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k,
              alpha: c.alpha, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
              bias: c.bias ? bias.baseAddress! : nil, beta: c.beta, c: out.baseAddress!, ldc: ldc)
          }
        }
      }
    }
    return (fast, naive, ldc)
  }

  @Test("matmul equals matmulNaive", arguments: cases, ComputeBackend.usable)
  func matchesNaive(c: Case, backend: ComputeBackend) {
    let (fast, naive, ldc) = Self.run(c, backend: backend)
    // Tolerance 1e-5 with floor 1: BLAS accumulates K ≤ 65 products of values in [−1, 1] in
    // Float (error ≲ K·2⁻²⁴·Σ|a·b|, a few 1e-6 at worst); the naive sum is Double, rounded once.
    // Measured worst over all cases: 1.3e-6 (33×17×65).
    expectClose(fast, naive.map(Double.init), tolerance: 1e-5, floor: 1, "c")
    for i in 0..<c.m {
      for j in c.n..<ldc { #expect(fast[i * ldc + j] == 12345, "padding of c at row \(i) was written") }
    }
  }

  @Test(
    "k = 0 scales c by beta (and beta = 0 clears it, even over NaN)",
    arguments: [Float(0), 1, -2.5], ComputeBackend.usable)
  func emptyInnerDimension(beta: Float, backend: ComputeBackend) {
    let c = Case(m: 5, n: 3, k: 0, alpha: 3, beta: beta, pad: 2)
    let (fast, naive, ldc) = Self.run(c, backend: backend)
    for i in 0..<c.m {
      for j in 0..<c.n {
        #expect(fast[i * ldc + j] == naive[i * ldc + j], "c[\(i), \(j)]")
        #expect(!fast[i * ldc + j].isNaN)
      }
      for j in c.n..<ldc { #expect(fast[i * ldc + j] == 12345, "padding of c at row \(i) was written") }
    }
  }

  /// matvec's shapes: rows around the kernels' row groups (1, 2, 4) and columns around their
  /// 16 lanes, with padded leading dimensions; beta 0 (y not read: NaN) and not.
  static let matvecShapes: [(m: Int, n: Int, lda: Int, beta: Float)] = [
    (1, 1, 1, 0), (3, 15, 15, 1.5), (5, 16, 19, 0), (7, 17, 17, -1), (33, 64, 70, 0), (130, 100, 100, 2),
  ]

  @Test(
    "matvec equals matmulNaive on every backend and kernel ISA",
    arguments: ComputeBackend.usable, KernelISA.usable)
  func matvecOnEveryPath(backend: ComputeBackend, isa: KernelISA) {
    var rng = SeededGenerator(seed: 8)
    for (m, n, lda, beta) in Self.matvecShapes {
      let a = (0..<(m * lda)).map { _ in rng.nextUnitFloat() * 2 - 1 }
      let x = (0..<n).map { _ in rng.nextUnitFloat() * 2 - 1 }
      let y0 = (0..<m).map { _ in beta == 0 ? Float.nan : rng.nextUnitFloat() * 2 - 1 }
      var (fast, naive) = (y0, y0.map { $0.isNaN ? 0 : $0 })
      ComputeBackend.with(backend) {
        KernelISA.with(isa) { matvec(m: m, n: n, alpha: -0.5, a: a, lda: lda, x: x, beta: beta, y: &fast) }
      }
      matmulNaive(m: m, n: 1, k: n, alpha: -0.5, a: a, lda: lda, b: x, ldb: 1, beta: beta, c: &naive, ldc: 1)
      // Float sums of ≤ 100 products of values in [−1, 1] against the Double sum.
      expectClose(fast, naive.map(Double.init), tolerance: 1e-5, floor: 1, "\(m)×\(n) lda \(lda) β\(beta)")
    }
  }

  @Test("matvec equals matmulNaive with one column", arguments: [false, true])
  func matvecMatchesNaive(transposed: Bool) {
    var rng = SeededGenerator(seed: 3)
    let (m, n, lda) = (13, 9, 11)
    let a = (0..<(m * lda)).map { _ in rng.nextUnitFloat() * 2 - 1 }
    let xCount = transposed ? m : n
    let yCount = transposed ? n : m
    let x = (0..<xCount).map { _ in rng.nextUnitFloat() * 2 - 1 }
    let y0 = (0..<yCount).map { _ in rng.nextUnitFloat() * 2 - 1 }
    var fast = y0
    var naive = y0
    matvec(transposeA: transposed, m: m, n: n, alpha: 0.5, a: a, lda: lda, x: x, beta: 2, y: &fast)
    // The same product as an (M or N) × 1 matrix: op(a) · x with x as a column.
    matmulNaive(
      transposeA: transposed, m: yCount, n: 1, k: xCount, alpha: 0.5, a: a, lda: lda, b: x, ldb: 1,
      beta: 2, c: &naive, ldc: 1)
    // Same reasoning as above: Float accumulation of ≤ 13 products.
    expectClose(fast, naive.map(Double.init), tolerance: 1e-5, floor: 1, "y")
  }

  /// Row counts around the split (odd, not multiples of the row alignment) and Tang's head.
  static let splitShapes: [(m: Int, n: Int)] = [(2051, 512), (6443, 256), (4099, 300), (1 << 14 + 3, 64)]

  @Test(
    "a matvec split over 2, 3 and 4 threads equals the 1-thread product bit for bit, on every kernel",
    arguments: splitShapes, ComputeBackend.usable)
  func splitMatvecMatchesSerial(shape: (m: Int, n: Int), backend: ComputeBackend) {
    for isa in KernelISA.usable {
      ComputeBackend.with(backend) { KernelISA.with(isa) { Self.splitMatvecMatchesSerial(m: shape.m, n: shape.n) } }
    }
  }

  static func splitMatvecMatchesSerial(m: Int, n: Int) {
    #expect(m * n >= matvecSplitMinimum)
    // As every charlm program runs it (Parallelism.configure): OpenBLAS's own threads would
    // split the "1-thread" product their own way, at rows that are not multiples of 16.
    setBLASThreads(1)
    var rng = SeededGenerator(seed: 4)
    let a = (0..<(m * n)).map { _ in rng.nextUnitFloat() * 2 - 1 }
    let x = (0..<n).map { _ in rng.nextUnitFloat() * 2 - 1 }
    let y0 = (0..<m).map { _ in rng.nextUnitFloat() * 2 - 1 }
    var serial = y0
    Parallelism.withThreads(1) { matvec(m: m, n: n, alpha: 0.5, a: a, lda: n, x: x, beta: 2, y: &serial) }
    for threads in 2...4 {
      var split = y0
      Parallelism.withThreads(threads) { matvec(m: m, n: n, alpha: 0.5, a: a, lda: n, x: x, beta: 2, y: &split) }
      // Tolerance 0: slices start at multiples of matvecRowAlignment rows, so each row is summed
      // by the same kernel in the same order (sampled text must not depend on --threads).
      let differing = (0..<m).filter { split[$0] != serial[$0] }
      let worst = differing.max { abs(split[$0] - serial[$0]) < abs(split[$1] - serial[$1]) }
      #expect(
        differing.isEmpty,
        "\(threads) threads: \(differing.count) rows differ, worst \(worst.map { "row \($0): \(split[$0]) against \(serial[$0])" } ?? "")"
      )
    }
  }

  @Test(
    "matvecs equals matvec term by term on 1 thread, bit for bit, on 1 and 2 threads and every kernel",
    arguments: [1, 2], ComputeBackend.usable)
  func matvecsMatchTermByTerm(threads: Int, backend: ComputeBackend) {
    for isa in KernelISA.usable {
      ComputeBackend.with(backend) { KernelISA.with(isa) { Self.matvecsMatchTermByTerm(threads: threads) } }
    }
  }

  static func matvecsMatchTermByTerm(threads: Int) {
    setBLASThreads(1)  // as in splitMatvecMatchesSerial
    var rng = SeededGenerator(seed: 5)
    // A 2 × 512 LSTM layer 1 step, (4H, H) twice into the gates, 5 rows more than a multiple of
    // the row alignment; beside them a term of another height that alone would not be split.
    let (m, n1, n2, m3, n3) = (2048 + 5, 512, 512, 1000, 16)
    #expect(m3 * n3 < matvecSplitMinimum && m * (n1 + n2) + m3 * n3 >= matvecSplitMinimum)
    func random(_ count: Int) -> [Float] { (0..<count).map { _ in rng.nextUnitFloat() * 2 - 1 } }
    let (a, b, c) = (random(m * n1), random(m * n2), random(m3 * n3))
    let (x, z, w) = (random(n1), random(n2), random(n3))
    var (expected, expectedBeside) = ([Float](repeating: 0, count: m), [Float](repeating: 0, count: m3))
    Parallelism.withThreads(1) {
      matvec(m: m, n: n1, a: a, lda: n1, x: x, y: &expected)
      matvec(m: m, n: n2, a: b, lda: n2, x: z, beta: 1, y: &expected)
      matvec(m: m3, n: n3, a: c, lda: n3, x: w, y: &expectedBeside)
    }
    var (fused, beside) = ([Float](repeating: .nan, count: m), [Float](repeating: .nan, count: m3))
    Parallelism.withThreads(threads) {
      fused.withUnsafeMutableBufferPointer { y in
        beside.withUnsafeMutableBufferPointer { y3 in
          matvecs(
            MatvecTerm(m: m, n: n1, a: a, lda: n1, x: x, y: y.baseAddress!),
            MatvecTerm(m: m, n: n2, a: b, lda: n2, x: z, beta: 1, y: y.baseAddress!),
            MatvecTerm(m: m3, n: n3, a: c, lda: n3, x: w, y: y3.baseAddress!))
        }
      }
    }
    let differing = (0..<m).filter { fused[$0] != expected[$0] } + (0..<m3).filter { beside[$0] != expectedBeside[$0] }
    #expect(differing.count == 0, "tolerance 0: rows differ, first \(differing.first ?? -1)")
  }
}

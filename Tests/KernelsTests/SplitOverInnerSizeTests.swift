import Kernels
import TestSupport
import Testing

@testable import Kernels

/// `addTransposedProduct` (c += aᵀ·b split over the rows of a and b) against `matmulNaive`, on
/// every backend, thread count and scratch size: too small a scratch (or none, or one thread)
/// must give the row-split ``matmul`` it falls back to.
@Suite struct WeightGradientProductTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var m: Int, n: Int, k: Int
    /// Extra columns beyond the stored width of a, b and c.
    var pad = 0
    var testDescription: String { "aᵀ·b \(m)×\(n)×\(k) pad \(pad)" }
  }

  /// Shapes of the training step's weight gradients, scaled down but large enough (k ≥ 2·16,
  /// m·n·k over a million) to be split; a skinny one; one too small to split.
  static let cases = [
    Case(m: 256, n: 64, k: 640), Case(m: 130, n: 40, k: 700, pad: 3), Case(m: 65, n: 256, k: 512, pad: 1),
    Case(m: 7, n: 5, k: 33),
  ]

  enum Scratch: String, CaseIterable, Sendable { case none, tooSmall, enough }

  @Test(
    "equals matmulNaive with beta 1 for 1, 2 and 3 threads",
    arguments: cases, [Scratch.none, .tooSmall, .enough])
  func matchesNaive(c: Case, scratch: Scratch) {
    var rng = SeededGenerator(seed: 7)
    let (lda, ldb, ldc) = (c.m + c.pad, c.n + c.pad, c.n + c.pad)
    let a = MatmulTests.matrix(rows: c.k, columns: c.m, pad: c.pad, rng: &rng)
    let b = MatmulTests.matrix(rows: c.k, columns: c.n, pad: c.pad, rng: &rng)
    let c0 = MatmulTests.matrix(rows: c.m, columns: c.n, pad: c.pad, rng: &rng).map { $0.isNaN ? 12345 : $0 }
    var naive = c0
    matmulNaive(
      transposeA: true, m: c.m, n: c.n, k: c.k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: &naive, ldc: ldc)
    for backend in ComputeBackend.usable {
      for threads in 1...3 {
        let scratchCount = scratch == .enough ? (threads - 1) * c.m * c.n : scratch == .tooSmall ? c.m * c.n - 1 : 0
        var space = [Float](repeating: .nan, count: max(scratchCount, 1))
        var fast = c0
        a.withUnsafeBufferPointer { a in
          b.withUnsafeBufferPointer { b in
            fast.withUnsafeMutableBufferPointer { out in
              space.withUnsafeMutableBufferPointer { space in
                ComputeBackend.with(backend) {
                  Parallelism.withThreads(threads) {
                    addTransposedProduct(
                      m: c.m, n: c.n, k: c.k, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                      c: out.baseAddress!, ldc: ldc, scratch: scratch == .none ? nil : space)
                  }
                }
              }
            }
          }
        }
        // Float sums over k ≤ 700 products of values in [−1, 1], split in up to three parts:
        // error ≲ k·2⁻²⁴·Σ|a·b| (a few 1e-5 at worst) against the Double sum rounded once.
        expectClose(fast, naive.map(Double.init), tolerance: 1e-4, floor: 1, "\(backend) \(threads) threads")
        for i in 0..<c.m {
          for j in c.n..<ldc { #expect(fast[i * ldc + j] == 12345, "padding of c at row \(i) was written") }
        }
      }
    }
  }

  @Test("the split over k is deterministic: the same bits on every call with 2 threads")
  func deterministic() {
    let c = Self.cases[0]
    var rng = SeededGenerator(seed: 3)
    let a = MatmulTests.matrix(rows: c.k, columns: c.m, pad: 0, rng: &rng)
    let b = MatmulTests.matrix(rows: c.k, columns: c.n, pad: 0, rng: &rng)
    func run() -> [Float] {
      var out = [Float](repeating: 0.5, count: c.m * c.n)
      var space = [Float](repeating: 0, count: c.m * c.n)
      space.withUnsafeMutableBufferPointer { space in
        Parallelism.withThreads(2) {
          addTransposedProduct(m: c.m, n: c.n, k: c.k, a: a, lda: c.m, b: b, ldb: c.n, c: &out, ldc: c.n, scratch: space)
        }
      }
      return out
    }
    #expect(run() == run())
  }
}

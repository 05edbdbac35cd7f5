import Kernels
import TestSupport
import Testing

@testable import Kernels

/// The product split over its inner size, `addTransposedProduct` (c += aᵀ·b, a weight gradient),
/// against `matmulNaive`, on every backend, thread count and scratch size: too small a scratch
/// (or none, or one thread, or scratch that overlaps c) must give the ``matmul`` it falls back to.
@Suite struct SplitOverInnerSizeTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var m: Int, n: Int, k: Int
    /// Extra columns beyond the stored width of a, b and c.
    var pad = 0
    var testDescription: String { "c += aᵀ·b \(m)×\(n)×\(k) pad \(pad)" }
  }

  /// Shapes of the training step's weight gradients, scaled down but large enough (k ≥ 2·16,
  /// m·n·k over a million) to be split; a skinny one; one too small.
  static let cases = [
    Case(m: 256, n: 64, k: 640), Case(m: 130, n: 40, k: 700, pad: 3), Case(m: 65, n: 256, k: 512, pad: 1),
    Case(m: 7, n: 5, k: 33),
  ]

  enum Scratch: String, CaseIterable, Sendable { case none, tooSmall, enough, overlapping }

  @Test("equals matmulNaive for 1, 2 and 3 threads", arguments: cases, Scratch.allCases)
  func matchesNaive(c: Case, scratch: Scratch) {
    var rng = SeededGenerator(seed: 7)
    let (lda, ldb, ldc) = (c.m + c.pad, c.n + c.pad, c.n + c.pad)
    let a = MatmulTests.matrix(rows: c.k, columns: c.m, pad: c.pad, rng: &rng)
    let b = MatmulTests.matrix(rows: c.k, columns: c.n, pad: c.pad, rng: &rng)
    // c's padding is a sentinel that must survive.
    let c0 = MatmulTests.matrix(rows: c.m, columns: c.n, pad: c.pad, rng: &rng).map { $0.isNaN ? 12345 : $0 }
    var naive = c0
    matmulNaive(transposeA: true, m: c.m, n: c.n, k: c.k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: &naive, ldc: ldc)
    for backend in ComputeBackend.usable {
      for threads in 1...3 {
        let needed = (threads - 1) * c.m * c.n
        // Overlapping: c itself followed by room, so the scratch starts inside c.
        var space = [Float](repeating: .nan, count: max(needed, 1) + c.m * ldc)
        var fast = c0
        if scratch == .overlapping { space.replaceSubrange(0..<fast.count, with: fast) }
        func run(_ out: UnsafeMutablePointer<Float>, _ scratchBuffer: UnsafeMutableBufferPointer<Float>?) {
          ComputeBackend.with(backend) {
            Parallelism.withThreads(threads) {
              addTransposedProduct(
                m: c.m, n: c.n, k: c.k, a: a, lda: lda, b: b, ldb: ldb, c: out, ldc: ldc, scratch: scratchBuffer)
            }
          }
        }
        space.withUnsafeMutableBufferPointer { space in
          switch scratch {
          case .overlapping:
            run(space.baseAddress!, UnsafeMutableBufferPointer(rebasing: space[1...]))
            fast = Array(space.prefix(fast.count))
          case .none, .tooSmall, .enough:
            let count = scratch == .enough ? needed : scratch == .tooSmall ? max(needed - 1, 0) : 0
            fast.withUnsafeMutableBufferPointer { out in
              run(out.baseAddress!, scratch == .none ? nil : UnsafeMutableBufferPointer(rebasing: space[0..<count]))
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
          addTransposedProduct(
            m: c.m, n: c.n, k: c.k, a: a, lda: c.m, b: b, ldb: c.n, c: &out, ldc: c.n, scratch: space)
        }
      }
      return out
    }
    #expect(run() == run())
  }
}

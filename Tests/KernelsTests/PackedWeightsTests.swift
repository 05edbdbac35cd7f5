import Kernels
import TestSupport
import Testing

@testable import Kernels

#if canImport(Glibc)
  import Glibc
#endif

/// ``PackedWeights`` (oneDNN's reordered copy, or BLAS on the pointer) against `matmulNaive`, on
/// the shapes the layers use: W (G·H, H) for the forward recurrence (c = a·Wᵀ) and the backward
/// (c = a·W), M from one row to more than T·B.
@Suite struct PackedWeightsTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var form: PackedWeights.Form
    var rows: Int, columns: Int
    var m: Int
    var beta: Float
    /// Extra columns of a and c beyond their width (lda, ldc = width + pad).
    var pad = 0
    /// Whether a bias row is added (the head's logits).
    var bias = false
    var testDescription: String {
      "\(form) W \(rows)×\(columns) M \(m) β\(beta) pad \(pad)\(bias ? " bias" : "")"
    }
  }

  static let cases: [Case] = {
    var cases: [Case] = []
    // (G·H, H): LSTM H 8 and 40 (not a multiple of the kernels' blocks), GRU H 24, RNN H 128.
    for (rows, columns) in [(32, 8), (160, 40), (72, 24), (128, 128)] {
      for form in [PackedWeights.Form.transposed, .plain] {
        for m in [1, 7, 16, 25, 300] {
          cases.append(Case(form: form, rows: rows, columns: columns, m: m, beta: 1, pad: m % 3))
          cases.append(Case(form: form, rows: rows, columns: columns, m: m, beta: 0))
        }
      }
    }
    // The head, W_head (V, H) with its bias: a block of rows, a short last block; β 1 too.
    for (m, beta) in [(40, Float(0)), (7, 0), (25, 1)] {
      cases.append(Case(form: .transposed, rows: 130, columns: 24, m: m, beta: beta, pad: m % 3, bias: true))
    }
    return cases
  }()

  @Test("multiply equals matmulNaive", arguments: cases, ComputeBackend.usable)
  func matchesNaive(c: Case, backend: ComputeBackend) {
    var rng = SeededGenerator(seed: 7)
    let (n, k) = c.form == .transposed ? (c.rows, c.columns) : (c.columns, c.rows)
    let (lda, ldc) = (k + c.pad, n + c.pad)
    let w = (0..<(c.rows * c.columns)).map { _ in rng.nextUnitFloat() * 2 - 1 }
    let a = MatmulTests.matrix(rows: c.m, columns: k, pad: c.pad, rng: &rng)
    // c's padding is a sentinel that must survive; with beta = 0 its body is NaN (must not be read).
    let c0 = MatmulTests.matrix(rows: c.m, columns: n, pad: c.pad, rng: &rng).map { $0.isNaN ? 12345 : $0 }
      .map { c.beta == 0 && $0 != 12345 ? Float.nan : $0 }
    let bias = c.bias ? (0..<n).map { _ in rng.nextUnitFloat() * 2 - 1 } : nil
    var fast = c0
    var naive = c0
    let packed = PackedWeights(rows: c.rows, columns: c.columns, form: c.form)
    ComputeBackend.with(backend) {
      packed.pack(w)
      // Twice: the second product reuses the packed copy (and the cached primitive).
      for _ in 0..<2 {
        fast = c0
        packed.multiply(m: c.m, a: a, lda: lda, bias: bias, beta: c.beta, c: &fast, ldc: ldc)
      }
    }
    if backend == .onednn { #expect(packed.packedBytes >= c.rows * c.columns * 4, "oneDNN did not pack") }
    matmulNaive(
      transposeB: c.form == .transposed, m: c.m, n: n, k: k, a: a, lda: lda, b: w, ldb: c.columns, bias: bias,
      beta: c.beta, c: &naive, ldc: ldc)
    // Float accumulation of K ≤ 160 products of values in [−1, 1] against a Double sum: a few
    // 1e-6 at worst, so 1e-5 with floor 1.
    expectClose(fast, naive.map(Double.init), tolerance: 1e-5, floor: 1, "c")
    for i in 0..<c.m {
      for j in n..<ldc { #expect(fast[i * ldc + j] == 12345, "padding of c at row \(i) was written") }
    }
  }

  @Test("a new pack replaces the weights (the optimizer changed them)", arguments: ComputeBackend.usable)
  func repackSeesNewWeights(backend: ComputeBackend) {
    let (rows, columns, m) = (64, 16, 4)
    var w = (0..<(rows * columns)).map { Float($0 % 13) * 0.1 }
    let a = (0..<(m * columns)).map { Float($0 % 7) * 0.1 }
    let packed = PackedWeights(rows: rows, columns: columns, form: .transposed)
    var c = [Float](repeating: 0, count: m * rows)
    var expected = c
    ComputeBackend.with(backend) {
      packed.pack(w)
      packed.multiply(m: m, a: a, lda: columns, c: &c, ldc: rows)
      for i in w.indices { w[i] = -w[i] }
      packed.pack(w)
      packed.multiply(m: m, a: a, lda: columns, c: &c, ldc: rows)
    }
    matmulNaive(
      transposeB: true, m: m, n: rows, k: columns, a: a, lda: columns, b: w, ldb: columns, c: &expected, ldc: rows)
    expectClose(c, expected.map(Double.init), tolerance: 1e-5, floor: 1, "c after repack")
  }

  @Test(
    "packed weights sharing one memory take turns: each product uses its own weights, whoever packed last",
    arguments: ComputeBackend.usable)
  func sharedMemory(backend: ComputeBackend) {
    // W_hh's two forms, as a layer's forward and backward use them, and a larger third (another
    // layer shape) that grows the memory after the first two have packed into it.
    let (rows, columns, m) = (64, 16, 5)
    var rng = SeededGenerator(seed: 11)
    let w = (0..<(rows * columns)).map { _ in rng.nextUnitFloat() - 0.5 }
    let big = (0..<(4 * rows * columns)).map { _ in rng.nextUnitFloat() - 0.5 }
    let a = (0..<(m * rows)).map { _ in rng.nextUnitFloat() - 0.5 }
    let memory = PackedWeightsMemory()
    let forward = PackedWeights(rows: rows, columns: columns, form: .transposed, memory: memory)
    let backward = PackedWeights(rows: rows, columns: columns, form: .plain, memory: memory)
    let larger = PackedWeights(rows: 4 * rows, columns: columns, form: .transposed, memory: memory)
    var expectedForward = [Float](repeating: 0, count: m * rows)
    var expectedBackward = [Float](repeating: 0, count: m * columns)
    var expectedLarger = [Float](repeating: 0, count: m * 4 * rows)
    matmulNaive(transposeB: true, m: m, n: rows, k: columns, a: a, lda: columns, b: w, ldb: columns,
      c: &expectedForward, ldc: rows)
    matmulNaive(m: m, n: columns, k: rows, a: a, lda: rows, b: w, ldb: columns, c: &expectedBackward, ldc: columns)
    matmulNaive(transposeB: true, m: m, n: 4 * rows, k: columns, a: a, lda: columns, b: big, ldb: columns,
      c: &expectedLarger, ldc: 4 * rows)
    func check(_ label: String) {
      var c = [Float](repeating: .nan, count: m * rows)
      forward.multiply(m: m, a: a, lda: columns, c: &c, ldc: rows)
      expectClose(c, expectedForward.map(Double.init), tolerance: 1e-5, floor: 1, "forward \(label)")
      var d = [Float](repeating: .nan, count: m * columns)
      backward.multiply(m: m, a: a, lda: rows, c: &d, ldc: columns)
      expectClose(d, expectedBackward.map(Double.init), tolerance: 1e-5, floor: 1, "backward \(label)")
    }
    ComputeBackend.with(backend) {
      forward.pack(w)
      backward.pack(w)  // overwrites the forward's copy: the forward must not read it
      check("after the backward packed")
      forward.pack(w)
      check("after the forward packed again")
      larger.pack(big)  // grows the memory
      var c = [Float](repeating: .nan, count: m * 4 * rows)
      larger.multiply(m: m, a: a, lda: columns, c: &c, ldc: 4 * rows)
      expectClose(c, expectedLarger.map(Double.init), tolerance: 1e-5, floor: 1, "larger")
      check("after the memory grew")
      backward.pack(w)
      forward.pack(w)
      check("after both packed into the grown memory")
    }
  }

  @Test("two threads multiplying with the same packed weights at once equal one")
  func concurrentSlices() {
    let (rows, columns, m) = (256, 64, 40)
    var rng = SeededGenerator(seed: 9)
    let w = (0..<(rows * columns)).map { _ in rng.nextUnitFloat() - 0.5 }
    let a = FloatBuffer((0..<(m * columns)).map { _ in rng.nextUnitFloat() - 0.5 })
    let serial = FloatBuffer(count: m * rows)
    let split = FloatBuffer(count: m * rows)
    let packed = PackedWeights(rows: rows, columns: columns, form: .transposed)
    w.withUnsafeBufferPointer { w in
      packed.pack(w.baseAddress!)
      packed.multiply(m: m, a: a.pointer, lda: columns, c: serial.pointer, ldc: rows)
      Parallelism.withThreads(2) {
        // Streams 0..<20 and 20..<40 on two threads, many times, as the recurrence does.
        for _ in 0..<50 {
          Parallelism.forEachSlice(of: m) { r in
            packed.multiply(
              m: r.count, a: a.pointer + r.lowerBound * columns, lda: columns, c: split.pointer + r.lowerBound * rows,
              ldc: rows)
          }
        }
      }
    }
    expectClose(split.array, serial.array.map(Double.init), tolerance: 1e-6, floor: 1, "c")
  }

  @Test("oneDNN loads where the build expects it (CHARLM_EXPECT_ONEDNN=1, set by scripts/test.sh on Linux x86-64)")
  func oneDNNPresentWhereExpected() {
    if getenv("CHARLM_EXPECT_ONEDNN").map({ String(cString: $0) }) == "1" {
      #expect(ComputeBackend.oneDNNAvailable, "libdnnl.so.2 did not load: install libdnnl-dev")
      #expect(!ComputeBackend.onednn.kernelISA.isEmpty)
    }
  }
}

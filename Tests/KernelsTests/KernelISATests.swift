import Kernels
import TestSupport
import Testing

/// charlm's C kernels on every instruction-set path this CPU runs (``KernelISA/usable``) against
/// their naive references; the LSTM step's are in LSTMPointwiseTests.
@Suite struct KernelISATests {
  @Test("the portable path always runs; the widest supported path is the default")
  func paths() {
    #expect(KernelISA.usable.first == .portable)
    #expect(KernelISA.best == KernelISA.usable.last)
  }

  @Test("Adam's update equals adamNaive", arguments: [1, 15, 16, 17, 1000], KernelISA.usable)
  func adam(count: Int, isa: KernelISA) {
    var rng = SeededGenerator(seed: UInt64(count))
    let p0 = (0..<count).map { _ in rng.nextStandardNormal() }
    let g = (0..<count).map { _ in rng.nextStandardNormal() * 0.1 }
    let m0 = (0..<count).map { _ in rng.nextStandardNormal() * 0.01 }
    let v0 = (0..<count).map { _ in abs(rng.nextStandardNormal()) * 1e-4 }
    var (p, m, v) = (p0, m0, v0)
    var (pn, mn, vn) = (p0, m0, v0)
    KernelISA.with(isa) {
      VectorOps.adam(
        parameters: &p, gradients: g, firstMoment: &m, secondMoment: &v, count: count, beta1: 0.9, beta2: 0.999,
        stepSize: 0.02, inverseCorrection2: 3.5, epsilon: 1e-8)
    }
    VectorOps.adamNaive(
      parameters: &pn, gradients: g, firstMoment: &mn, secondMoment: &vn, count: count, beta1: 0.9, beta2: 0.999,
      stepSize: 0.02, inverseCorrection2: 3.5, epsilon: 1e-8)
    // A few Float operations per element; FMA (AVX2/AVX-512) rounds a·b + c once instead of
    // twice: an ulp or two, so 1e-6 relative (floor 1e-3).
    expectClose(p, pn.map(Double.init), tolerance: 1e-6, "p")
    expectClose(m, mn.map(Double.init), tolerance: 1e-6, "m")
    expectClose(v, vn.map(Double.init), tolerance: 1e-6, floor: 1e-8, "v")
  }

  @Test("Σ x² equals a Double sum", arguments: [0, 1, 15, 16, 17, 100_003], KernelISA.usable)
  func sumOfSquares(count: Int, isa: KernelISA) {
    var rng = SeededGenerator(seed: 5)
    let x = (0..<count).map { _ in rng.nextStandardNormal() }
    let expected = x.reduce(0.0) { $0 + Double($1) * Double($1) }
    let fast = KernelISA.with(isa) { VectorOps.sumOfSquares(x, count: count) }
    // Blocks of 16 summed in Float (relative error ≲ 16·2⁻²⁴), blocks in Double: 1e-6 relative.
    #expect(abs(fast - expected) <= 1e-6 * max(expected, 1), "\(fast) vs \(expected)")
  }
}

extension KernelISATests {
  @Test("y += x and column sums equal scalar loops", arguments: [1, 15, 16, 17, 130], KernelISA.usable)
  func addAndColumnSums(width: Int, isa: KernelISA) {
    var rng = SeededGenerator(seed: UInt64(width))
    let rows = 5
    let matrix = (0..<(rows * width)).map { _ in rng.nextStandardNormal() }
    let start = (0..<width).map { _ in rng.nextStandardNormal() }
    var sums = start
    var added = start
    KernelISA.with(isa) {
      VectorOps.addColumnSums(of: matrix, rows: rows, columns: width, to: &sums)
      VectorOps.add(matrix, to: &added, count: width)
    }
    // Rows added in order, one Float addition each: the same roundings as the scalar loop.
    let expected = (0..<width).map { j in (0..<rows).reduce(start[j]) { $0 + matrix[$1 * width + j] } }
    #expect(sums == expected)
    #expect(added == (0..<width).map { start[$0] + matrix[$0] })
  }
}

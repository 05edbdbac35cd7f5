import Kernels
import TestSupport
import Testing

@testable import Kernels

/// The fast loss (C kernels with FastMath's exp, on every ISA path the CPU runs) against its
/// Double reference, with skipped rows and extreme logits.
@Suite struct SoftmaxCrossEntropyTests {
  struct Case: CustomTestStringConvertible, Sendable {
    let vocab: Int
    /// Logits are N(0, spread²), or ±80 at random when `extreme`.
    let spread: Float, extreme: Bool
    var testDescription: String { "V\(vocab) \(extreme ? "±80" : "σ\(spread)")" }
  }

  static let cases = [1, 7, 65, 6443].flatMap { v in
    [Case(vocab: v, spread: 3, extreme: false), Case(vocab: v, spread: 0, extreme: true)]
  }

  @Test("forwardRows and gradientRows equal forwardBackwardNaive", arguments: cases, KernelISA.usable)
  func matchesNaive(c: Case, isa: KernelISA) {
    let rows = 6
    let V = c.vocab
    var rng = SeededGenerator(seed: UInt64(V))
    let logits: [Float] = (0..<(rows * V)).map { _ in
      c.extreme ? (rng.next() & 1 == 0 ? 80 : -80) : rng.nextStandardNormal() * c.spread
    }
    // Rows 1 and 4 are skipped; the others aim at random ids (with ±80, often a −80 logit,
    // whose probability underflows: the loss must still be exact, ≈ 160 + log Σ).
    let targets: [Int32] = (0..<rows).map { r in r == 1 || r == 4 ? -1 : Int32(rng.next() % UInt64(V)) }
    let scale: Float = 1 / 4

    var naiveGradient = [Float](repeating: .nan, count: rows * V)
    let naiveLoss = SoftmaxCrossEntropy.forwardBackwardNaive(
      logits: logits, targets: targets, rows: rows, vocab: V, scale: scale, gradient: &naiveGradient)
    var probabilities = logits
    var rowNats = [Double](repeating: .nan, count: rows)
    let (nats, scored) = KernelISA.with(isa) {
      SoftmaxCrossEntropy.forwardRows(
        logits: &probabilities, targets: targets, rows: 0..<rows, vocab: V, rowNats: &rowNats)
    }
    var fast = logits
    let (gradientNats, gradientScored) = KernelISA.with(isa) {
      SoftmaxCrossEntropy.gradientRows(
        logits: &fast, targets: targets, rows: 0..<rows, vocab: V, scale: scale, columnSums: nil)
    }

    #expect(scored == 4 && gradientScored == 4)
    #expect(gradientNats == nats, "the two passes add the same terms")
    #expect(rowNats.reduce(0, +) == nats && rowNats[1] == 0 && rowNats[4] == 0)
    #expect(nats.isFinite && fast.allSatisfy(\.isFinite) && probabilities.allSatisfy(\.isFinite))
    // Loss: log Σ e^{x−max} with FastMath.exp (≤ 2e-7 relative per term) and per-8-lane Float
    // sums (16 lanes in C); the shifted target logit is exact. Tolerance 1e-6 relative to max(loss, 1).
    // Measured worst: 3.0e-8.
    expectClose([nats], [naiveLoss], tolerance: 1e-6, floor: 1, "loss")
    // Gradient (p − onehot)·scale: p carries the exp error plus the rounding of 1/Σ (a few
    // 1e-7 relative). Tolerance 2e-6 relative with floor 1e-6·scale: entries below that (tiny
    // probabilities, including the e^-87.3 clamp for x − max < −87) need only match absolutely.
    // Measured worst: 6.4e-7 (V = 6443, a probability of 4e-5).
    expectClose(fast, naiveGradient.map(Double.init), tolerance: 2e-6, floor: 1e-6 * Double(scale), "gradient")
    // Probabilities of scored rows sum to 1; skipped rows get a zero gradient.
    for r in 0..<rows {
      let sum = (0..<V).reduce(0.0) { $0 + Double(probabilities[r * V + $1]) }
      #expect(abs(sum - 1) < 1e-5, "row \(r): probabilities sum to \(sum)")
      if targets[r] < 0 { #expect((0..<V).allSatisfy { fast[r * V + $0] == 0 }, "row \(r) is skipped") }
    }
  }

  @Test("V = 1: zero loss and zero gradient")
  func singleSymbol() {
    var logits: [Float] = [3.5, -70]
    let targets: [Int32] = [0, 0]
    var probabilities = logits
    let (nats, scored) = SoftmaxCrossEntropy.forwardRows(
      logits: &probabilities, targets: targets, rows: 0..<2, vocab: 1)
    #expect(nats == 0 && scored == 2 && probabilities == [1, 1])
    _ = SoftmaxCrossEntropy.gradientRows(
      logits: &logits, targets: targets, rows: 0..<2, vocab: 1, scale: 0.5, columnSums: nil)
    #expect(logits == [0, 0])
  }

  @Test("all rows skipped: no loss, no scored rows, zero gradient")
  func allSkipped() {
    var logits: [Float] = [1, 2, 3, 4, 5, 6]
    let targets: [Int32] = [-1, -1]
    var sums: [Float] = [0.5, 0.5, 0.5]
    let (nats, scored) = SoftmaxCrossEntropy.gradientRows(
      logits: &logits, targets: targets, rows: 0..<2, vocab: 3, scale: 1, columnSums: &sums)
    #expect(nats == 0 && scored == 0)
    #expect(logits.allSatisfy { $0 == 0 } && sums == [0.5, 0.5, 0.5])
  }

  @Test(
    "gradientRows' column sums (the head's bias gradient) equal the sums of the gradient it wrote",
    arguments: KernelISA.usable)
  func columnSums(isa: KernelISA) {
    let (rows, V) = (40, 6443)
    var rng = SeededGenerator(seed: 12)
    var gradient = (0..<(rows * V)).map { _ in rng.nextStandardNormal() * 2 }
    let targets: [Int32] = (0..<rows).map { r in r % 7 == 3 ? -1 : Int32(rng.next() % UInt64(V)) }
    var sums = [Float](repeating: 0.25, count: V)  // accumulated into
    _ = KernelISA.with(isa) {
      SoftmaxCrossEntropy.gradientRows(
        logits: &gradient, targets: targets, rows: 0..<rows, vocab: V, scale: 0.5, columnSums: &sums)
    }
    let expected = (0..<V).map { v in 0.25 + (0..<rows).reduce(0.0) { $0 + Double(gradient[$1 * V + v]) } }
    // Float sums of 40 terms below 0.5 in magnitude against a Double sum.
    expectClose(sums, expected, tolerance: 1e-6, floor: 1, "column sums")
  }
}

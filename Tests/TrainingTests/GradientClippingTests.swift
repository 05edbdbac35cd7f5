import Kernels
import TestSupport
import Testing
import Training

/// Global-norm clipping as `torch.nn.utils.clip_grad_norm_`.
@Suite struct GradientClippingTests {
  /// 3-4-12 scaled by 0.1: norm 1.3, over 19 values (a SIMD tail) mostly zero.
  static let gradients: [Float] = [0.3, 0, 0.4] + Array(repeating: 0, count: 15) + [1.2]

  @Test("below the threshold: unchanged, returns the norm", arguments: [Float(1.31), 2, 100])
  func belowThreshold(maxNorm: Float) {
    let g = FloatBuffer(Self.gradients)
    let norm = GradientClipping.clip(g, maxNorm: maxNorm)
    #expect(abs(norm - 1.3) < 1e-6, "norm \(norm)")
    #expect(g.array == Self.gradients)
  }

  @Test(
    "above the threshold: scaled by maxNorm / (norm + 1e-6), returns the pre-clip norm",
    arguments: [Float(1.29), 1, 0.32, 1e-3])
  func aboveThreshold(maxNorm: Float) {
    let g = FloatBuffer(Self.gradients)
    let norm = GradientClipping.clip(g, maxNorm: maxNorm)
    #expect(abs(norm - 1.3) < 1e-6, "the returned norm is measured before clipping: \(norm)")
    let coefficient = Double(maxNorm) / (1.3 + 1e-6)
    // Float scaling of Float values: 1e-6 relative (floor 1e-3; zeros stay exactly zero).
    expectClose(g.array, Self.gradients.map { Double($0) * coefficient }, tolerance: 1e-6, "clipped")
    let newNorm = VectorOps.sumOfSquares(g.pointer, count: g.count).squareRoot()
    #expect(abs(newNorm - Double(maxNorm)) < 1e-5 * Double(maxNorm) + 1e-6, "norm after clipping \(newNorm)")
  }

  @Test("zero gradients: norm 0, nothing changes, no NaN")
  func zeroGradients() {
    let g = FloatBuffer(count: 10)
    #expect(GradientClipping.clip(g, maxNorm: 0.5) == 0)
    #expect(g.array == Array(repeating: 0, count: 10))
  }

  @Test("a long gradient keeps its norm's precision (per-block sums accumulate in Double)")
  func longGradient() {
    let count = 100_003
    let g = FloatBuffer([Float](repeating: 0.01, count: count))
    let norm = GradientClipping.clip(g, maxNorm: 1e6)
    let expected = (Double(count) * Double(Float(0.01)) * Double(Float(0.01))).squareRoot()
    // A sequential Float sum of 1e5 squares would drift by ~1e-3 relative; the blocks of
    // eight are summed in Double, leaving only the Float rounding of each block (1e-7).
    #expect(abs(Double(norm) - expected) < 1e-6 * expected, "norm \(norm) vs \(expected)")
  }
}

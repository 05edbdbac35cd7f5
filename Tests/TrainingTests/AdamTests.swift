import Foundation
import Kernels
import TestSupport
import Testing
import Training

/// Adam against the PyTorch formulas evaluated by hand in Double.
@Suite struct AdamTests {
  /// Updates of `torch.optim.Adam` in Double, one per gradient: the specification.
  static func reference(
    parameters: [Double], gradients: [[Double]], lr: Double, beta1: Double, beta2: Double, eps: Double
  ) -> (parameters: [Double], m: [Double], v: [Double]) {
    var p = parameters
    var m = [Double](repeating: 0, count: p.count)
    var v = m
    for (t, g) in gradients.enumerated() {
      let step = Double(t + 1)
      let bc1 = 1 - pow(beta1, step)
      let bc2 = 1 - pow(beta2, step)
      for i in p.indices {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i]
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
        p[i] -= (lr / bc1) * m[i] / (v[i].squareRoot() / bc2.squareRoot() + eps)
      }
    }
    return (p, m, v)
  }

  @Test("two steps equal the hand-computed PyTorch update (11 parameters: a SIMD tail)")
  func twoSteps() {
    let p0: [Float] = [0.5, -1.25, 3, 0, 1e-3, -0.75, 2, 0.1, -0.2, 7, -3]
    // Includes a zero gradient (moment stays 0, update 0), tiny and sign-flipping ones.
    let g1: [Float] = [0.1, -0.2, 0, 1e-7, 5, -0.03, 0.3, 2, -1, 0.5, 1e-3]
    let g2: [Float] = [-0.05, -0.2, 0, 2e-7, 4, 0.03, -0.3, 1, 1, 0.25, -1e-3]
    let (lr, b1, b2, eps): (Float, Float, Float, Float) = (0.05, 0.9, 0.999, 1e-8)
    let parameters = FloatBuffer(p0)
    let adam = Adam(count: p0.count, learningRate: lr, beta1: b1, beta2: b2, epsilon: eps)
    adam.update(parameters: parameters, gradients: FloatBuffer(g1))
    adam.update(parameters: parameters, gradients: FloatBuffer(g2))
    // The reference uses the Float hyperparameters widened to Double, as the Float code sees them.
    let expected = Self.reference(
      parameters: p0.map(Double.init), gradients: [g1, g2].map { $0.map(Double.init) },
      lr: Double(lr), beta1: Double(b1), beta2: Double(b2), eps: Double(eps))
    #expect(adam.step == 2)
    // Float arithmetic on values of size ≤ 7: a few ulps. 1e-6 relative, floor 1 (absolute
    // below 1). Measured worst: 8.0e-8 (parameters), 2.7e-7 (m), 7.7e-8 (v).
    expectClose(parameters.array, expected.parameters, tolerance: 1e-6, floor: 1, "parameters")
    expectClose(adam.firstMoment.array, expected.m, tolerance: 1e-6, floor: 1e-3, "m")
    expectClose(adam.secondMoment.array, expected.v, tolerance: 1e-5, floor: 1e-9, "v")
    #expect(parameters[2] == p0[2], "a zero gradient moves nothing")
  }

  @Test("the first step moves each parameter by ≈ lr against its gradient's sign")
  func firstStepSize() {
    let p0 = [Float](repeating: 1, count: 9)
    let g: [Float] = [3, -3, 0.01, -0.01, 100, -100, 1e-3, 0.5, -0.5]
    let parameters = FloatBuffer(p0)
    Adam(count: 9, learningRate: 0.05).update(parameters: parameters, gradients: FloatBuffer(g))
    // Step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g| + ε) = ±lr up to ε/|g| ≤ 1e-5.
    for i in 0..<9 {
      let expected: Float = 1 - 0.05 * (g[i] > 0 ? 1 : -1)
      #expect(abs(parameters[i] - expected) < 1e-6, "parameter \(i): \(parameters[i]) vs \(expected)")
    }
  }
}

import Kernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Adam with PyTorch's exact update (`torch.optim.Adam`, no weight decay, no AMSGrad):
///
///     m ← β1·m + (1−β1)·g          v ← β2·v + (1−β2)·g²
///     p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
///
/// Moments share the parameters' flat layout; bias corrections are computed in Double as
/// PyTorch does. The step count and both moments are part of what a resume restores.
public final class Adam {
  /// Learning rate.
  public var learningRate: Float
  /// Decay of the first moment (β1).
  public let beta1: Float
  /// Decay of the second moment (β2).
  public let beta2: Float
  /// Added to the denominator for stability (ε).
  public let epsilon: Float
  /// Updates applied so far (t).
  public internal(set) var step: Int = 0
  /// First moment m, parameter-shaped.
  public let firstMoment: FloatBuffer
  /// Second moment v, parameter-shaped.
  public let secondMoment: FloatBuffer

  /// An optimizer for `count` parameters with zero moments.
  public init(count: Int, learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    firstMoment = FloatBuffer(count: count)
    secondMoment = FloatBuffer(count: count)
  }

  /// Restores the step count (moments are restored by copying into the buffers).
  public func restore(step: Int) { self.step = step }

  /// Applies one update to `parameters` from `gradients` (both parameter-shaped).
  public func update(parameters: FloatBuffer, gradients: FloatBuffer) {
    precondition(parameters.count == firstMoment.count && gradients.count == firstMoment.count)
    step += 1
    let biasCorrection1 = 1 - pow(Double(beta1), Double(step))
    let biasCorrection2Sqrt = (1 - pow(Double(beta2), Double(step))).squareRoot()
    let stepSize = Float(Double(learningRate) / biasCorrection1)
    let inverseCorrection2 = Float(1 / biasCorrection2Sqrt)
    let (b1, b2, eps) = (beta1, beta2, epsilon)
    let (oneMinusB1, oneMinusB2) = (1 - beta1, 1 - beta2)
    let (p, g, m, v) = (parameters.pointer, gradients.pointer, firstMoment.pointer, secondMoment.pointer)
    // Plain scalar code: SIMD8.squareRoot() compiles to eight calls to sqrtf, while this loop
    // gets one inline square-root instruction per element. The update is ~1% of a step.
    for i in 0..<parameters.count {
      let gi = g[i]
      let mi = b1 * m[i] + oneMinusB1 * gi
      let vi = b2 * v[i] + oneMinusB2 * gi * gi
      p[i] -= stepSize * mi / (vi.squareRoot() * inverseCorrection2 + eps)
      m[i] = mi
      v[i] = vi
    }
  }
}

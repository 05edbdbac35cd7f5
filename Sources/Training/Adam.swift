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
    VectorOps.adam(
      parameters: parameters.pointer, gradients: gradients.pointer, firstMoment: firstMoment.pointer,
      secondMoment: secondMoment.pointer, count: parameters.count, beta1: beta1, beta2: beta2, stepSize: stepSize,
      inverseCorrection2: inverseCorrection2, epsilon: epsilon)
  }
}

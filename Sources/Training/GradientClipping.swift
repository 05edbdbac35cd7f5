import Kernels

/// Clipping by the global L2 norm over all parameters, as `torch.nn.utils.clip_grad_norm_`:
/// when ‖g‖ > maxNorm, every gradient is scaled by maxNorm / (‖g‖ + 1e-6).
public enum GradientClipping {
  /// Scales `gradients` in place if needed and returns the norm measured before clipping.
  @discardableResult
  public static func clip(_ gradients: FloatBuffer, maxNorm: Float) -> Float {
    let norm = Float(VectorOps.sumOfSquares(gradients.pointer, count: gradients.count).squareRoot())
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 { VectorOps.scale(gradients.pointer, count: gradients.count, by: coefficient) }
    return norm
  }
}

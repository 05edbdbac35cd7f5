import Kernels

/// The output layer and loss: logits = h·W_headᵀ + b_head, then softmax cross-entropy.
enum OutputHead {
  /// - top: (N, H) top-layer outputs   - logits: (N, V) out
  static func forward(
    parameters: FloatBuffer, layout: ParameterLayout, top: UnsafePointer<Float>, rows N: Int,
    hidden H: Int, vocab V: Int, logits: UnsafeMutablePointer<Float>
  ) {
    let weight = parameters.pointer(to: layout.slots[layout.headWeight])
    let bias = parameters.pointer(to: layout.slots[layout.headBias])
    matmul(transposeB: true, m: N, n: V, k: H, a: top, lda: H, b: weight, ldb: H, bias: bias, c: logits, ldc: V)
  }

  /// ∂b_head is not computed here: ``SoftmaxCrossEntropy/backward(probabilities:targets:rows:vocab:scale:columnSums:scratch:)``
  /// sums it as it writes ∂loss/∂logits.
  ///
  /// - logitGradient: (N, V) ∂loss/∂logits   - top: (N, H) the forward's input
  /// - topGradient: (N, H) out: ∂loss/∂top, written last   - gradients: head tensors accumulated
  /// - scratch: for ∂W_head's split over the rows (may be the buffer topGradient points into), and
  ///   for ∂h's over V where it does not overlap topGradient (a large vocabulary's own scratch)
  static func backward(
    parameters: FloatBuffer, layout: ParameterLayout, gradients: FloatBuffer,
    logitGradient: UnsafePointer<Float>, top: UnsafePointer<Float>, rows N: Int,
    hidden H: Int, vocab V: Int, topGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutableBufferPointer<Float>
  ) {
    let weight = parameters.pointer(to: layout.slots[layout.headWeight])
    addTransposedProduct(
      m: V, n: H, k: N, a: logitGradient, lda: V, b: top, ldb: H,
      c: gradients.pointer(to: layout.slots[layout.headWeight]), ldc: H, scratch: scratch)
    productSplitOverInnerSize(
      m: N, n: H, k: V, a: logitGradient, lda: V, b: weight, ldb: H, c: topGradient, ldc: H, scratch: scratch)
  }
}

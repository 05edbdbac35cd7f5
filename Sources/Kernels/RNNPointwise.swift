import CKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The element-wise half of one Elman RNN time step (`torch.nn.RNN(nonlinearity: "tanh")`),
/// fused in one pass over memory: h_t = tanh(x·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh).
/// The matrix products are done by the caller. The fast forms are C kernels at the CPU's
/// vector width (``KernelISA``); the naive forms are their specification.
public enum RNNPointwise {
  /// Forward: h_t = tanh(pre + bias).
  ///
  /// - preActivation: (B, H) x·W_ihᵀ + h_{t−1}·W_hhᵀ without bias.   - bias: (H) b_ih + b_hh.
  /// - h: (B, H) out: h_t (may equal `preActivation`).
  public static func forward(
    preActivation: UnsafePointer<Float>, bias: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>,
    batch: Int, hidden: Int
  ) {
    ckernels_rnn_forward(KernelISA.current.code, preActivation, bias, h, Int64(batch), Int64(hidden))
  }

  /// Backward: ∂loss/∂pre = dh ⊙ (1 − h_t²).
  ///
  /// - h: (B, H) h_t saved by ``forward``.   - dh: (B, H) ∂loss/∂h_t.
  /// - dPre: (B, H) out: ∂loss/∂(pre-activation) (may equal `dh`).
  public static func backward(
    h: UnsafePointer<Float>, dh: UnsafePointer<Float>, dPre: UnsafeMutablePointer<Float>, batch: Int, hidden: Int
  ) {
    ckernels_rnn_backward(KernelISA.current.code, h, dh, dPre, Int64(batch * hidden))
  }

  // MARK: - Naive references (the specification; tests compare against these)

  /// Scalar reference of ``forward`` using libm's tanhf.
  public static func forwardNaive(
    preActivation: UnsafePointer<Float>, bias: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>,
    batch: Int, hidden: Int
  ) {
    for b in 0..<batch {
      for j in 0..<hidden { h[b * hidden + j] = tanhf(preActivation[b * hidden + j] + bias[j]) }
    }
  }

  /// Scalar reference of ``backward``.
  public static func backwardNaive(
    h: UnsafePointer<Float>, dh: UnsafePointer<Float>, dPre: UnsafeMutablePointer<Float>, batch: Int, hidden: Int
  ) {
    for i in 0..<(batch * hidden) { dPre[i] = dh[i] * (1 - h[i] * h[i]) }
  }
}

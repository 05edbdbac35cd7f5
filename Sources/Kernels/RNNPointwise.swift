#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The element-wise half of one Elman RNN time step (`torch.nn.RNN(nonlinearity: "tanh")`),
/// fused in one pass over memory: h_t = tanh(x·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh).
/// The matrix products are done by the caller with BLAS.
public enum RNNPointwise {
  /// Forward: h_t = tanh(pre + bias).
  ///
  /// - preActivation: (B, H) x·W_ihᵀ + h_{t−1}·W_hhᵀ without bias.   - bias: (H) b_ih + b_hh.
  /// - h: (B, H) out: h_t (may equal `preActivation`).
  @inlinable
  public static func forward(
    preActivation: UnsafePointer<Float>, bias: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>,
    batch: Int, hidden: Int
  ) {
    let H = hidden
    for b in 0..<batch {
      let row = b * H
      var j = 0
      while j < H {
        let n = min(8, H - j)
        h.store8(FastMath.tanh(preActivation.load8(row + j, count: n) + bias.load8(j, count: n)), at: row + j, count: n)
        j += 8
      }
    }
  }

  /// Backward: ∂loss/∂pre = dh ⊙ (1 − h_t²).
  ///
  /// - h: (B, H) h_t saved by ``forward``.   - dh: (B, H) ∂loss/∂h_t.
  /// - dPre: (B, H) out: ∂loss/∂(pre-activation) (may equal `dh`).
  @inlinable
  public static func backward(
    h: UnsafePointer<Float>, dh: UnsafePointer<Float>, dPre: UnsafeMutablePointer<Float>, batch: Int, hidden: Int
  ) {
    let count = batch * hidden
    let one = SIMD8<Float>(repeating: 1)
    var i = 0
    while i < count {
      let n = min(8, count - i)
      let hv = h.load8(i, count: n)
      dPre.store8(dh.load8(i, count: n) * (one - hv * hv), at: i, count: n)
      i += 8
    }
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

import CKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The element-wise half of one GRU time step, fused in one pass over memory.
/// The matrix products that feed it (x·W_ihᵀ and h·W_hhᵀ) are done by the caller and
/// kept apart: the reset gate multiplies only the hidden part of the candidate. The fast forms
/// are C kernels at the CPU's vector width (``KernelISA``); the naive forms are their
/// specification.
///
/// Gate layout follows `torch.nn.GRU`: each row holds three blocks of H values in the order
/// r (reset), z (update), n (candidate):
///
///     r = σ(x_r + b_ir + h_r + b_hr)      z = σ(x_z + b_iz + h_z + b_hz)
///     n = tanh(x_n + b_in + r ⊙ (h_n + b_hn))
///     h' = (1 − z) ⊙ n + z ⊙ h
public enum GRUPointwise {
  /// Forward: activates the gates in place and computes the new hidden state.
  ///
  /// - inputGates: (B, 3H) in: x·W_ihᵀ without bias; out: r, z, n.
  /// - hiddenGates: (B, 3H) in: h·W_hhᵀ without bias; out: its n block holds W_hn·h + b_hn
  ///   (saved for the backward pass; the r and z blocks are left as they were).
  /// - biasIH, biasHH: (3H) b_ih, b_hh.
  /// - hPrev: (B, H) h_{t−1}.   - h: (B, H) out: h_t (may equal `hPrev`: each lane is read
  ///   before it is written).
  public static func forward(
    inputGates: UnsafeMutablePointer<Float>, hiddenGates: UnsafeMutablePointer<Float>,
    biasIH: UnsafePointer<Float>, biasHH: UnsafePointer<Float>,
    hPrev: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>, batch: Int, hidden: Int
  ) {
    ckernels_gru_forward(
      KernelISA.current.code, inputGates, hiddenGates, biasIH, biasHH, hPrev, h, Int64(batch), Int64(hidden))
  }

  /// Backward through one step's element-wise math.
  ///
  /// - inputGates: (B, 3H) r, z, n saved by ``forward``.  - hiddenGates: (B, 3H) saved; n block
  ///   W_hn·h + b_hn.   - hPrev: (B, H) h_{t−1}.
  /// - dh: (B, H) ∂loss/∂h_t (from the layer above plus the next step).
  /// - dInputGates: (B, 3H) out: ∂loss/∂(x·W_ihᵀ + b_ih), order r, z, n.
  /// - dHiddenGates: (B, 3H) out: ∂loss/∂(h·W_hhᵀ + b_hh), order r, z, n.
  /// - dhPrev: (B, H) in/out: receives += z ⊙ dh, the direct path to h_{t−1} (the caller adds
  ///   dHiddenGates·W_hh).
  public static func backward(
    inputGates: UnsafePointer<Float>, hiddenGates: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
    dh: UnsafePointer<Float>, dInputGates: UnsafeMutablePointer<Float>,
    dHiddenGates: UnsafeMutablePointer<Float>, dhPrev: UnsafeMutablePointer<Float>, batch: Int, hidden: Int
  ) {
    ckernels_gru_backward(
      KernelISA.current.code, inputGates, hiddenGates, hPrev, dh, dInputGates, dHiddenGates, dhPrev, Int64(batch),
      Int64(hidden))
  }

  // MARK: - Naive references (the specification; tests compare against these)

  /// Scalar reference of ``forward`` using libm's expf/tanhf.
  public static func forwardNaive(
    inputGates: UnsafeMutablePointer<Float>, hiddenGates: UnsafeMutablePointer<Float>,
    biasIH: UnsafePointer<Float>, biasHH: UnsafePointer<Float>,
    hPrev: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>, batch: Int, hidden: Int
  ) {
    let H = hidden
    func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
    for b in 0..<batch {
      for j in 0..<H {
        let base = b * 3 * H
        let r = sigmoid(inputGates[base + j] + biasIH[j] + hiddenGates[base + j] + biasHH[j])
        let z = sigmoid(inputGates[base + H + j] + biasIH[H + j] + hiddenGates[base + H + j] + biasHH[H + j])
        let hn = hiddenGates[base + 2 * H + j] + biasHH[2 * H + j]
        let n = tanhf(inputGates[base + 2 * H + j] + biasIH[2 * H + j] + r * hn)
        let hp = hPrev[b * H + j]
        inputGates[base + j] = r
        inputGates[base + H + j] = z
        inputGates[base + 2 * H + j] = n
        hiddenGates[base + 2 * H + j] = hn
        h[b * H + j] = (1 - z) * n + z * hp
      }
    }
  }

  /// Scalar reference of ``backward``.
  public static func backwardNaive(
    inputGates: UnsafePointer<Float>, hiddenGates: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
    dh: UnsafePointer<Float>, dInputGates: UnsafeMutablePointer<Float>,
    dHiddenGates: UnsafeMutablePointer<Float>, dhPrev: UnsafeMutablePointer<Float>, batch: Int, hidden: Int
  ) {
    let H = hidden
    for b in 0..<batch {
      for j in 0..<H {
        let base = b * 3 * H
        let (r, z, n) = (inputGates[base + j], inputGates[base + H + j], inputGates[base + 2 * H + j])
        let hn = hiddenGates[base + 2 * H + j]
        let d = dh[b * H + j]
        let dn = d * (1 - z) * (1 - n * n)
        let dz = d * (hPrev[b * H + j] - n) * z * (1 - z)
        let dr = dn * hn * r * (1 - r)
        dInputGates[base + j] = dr
        dInputGates[base + H + j] = dz
        dInputGates[base + 2 * H + j] = dn
        dHiddenGates[base + j] = dr
        dHiddenGates[base + H + j] = dz
        dHiddenGates[base + 2 * H + j] = dn * r
        dhPrev[b * H + j] += d * z
      }
    }
  }
}

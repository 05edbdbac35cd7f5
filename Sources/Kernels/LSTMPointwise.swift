import CKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The element-wise half of one LSTM time step, fused in one pass over memory.
/// The matrix products that feed it (x·W_ihᵀ and h·W_hhᵀ) are done by the caller.
/// The fast forms are C kernels (CKernels) at the CPU's vector width (``KernelISA``), with
/// FastMath's exp/sigmoid/tanh; the naive forms below are their specification.
///
/// Gate layout follows PyTorch: each row of `gates` holds four blocks of H values in the
/// order i (input), f (forget), g (cell candidate), o (output).
public enum LSTMPointwise {
  /// Forward: activates the gates in place and computes the new cell and hidden state.
  ///
  /// - gates: (B, 4H) in: pre-activations without bias; out: σ(i), σ(f), tanh(g), σ(o).
  /// - bias: (4H) b_ih + b_hh; or, with `biasRows`, a table of such rows, row `biasRows[b]`
  ///   added to stream b's gates (a folded layer 0: its symbol's x·W_ihᵀ + b_ih + b_hh).
  /// - cPrev: (B, H) c_{t-1}.   - c, h: (B, H) out: c_t, h_t. `c` may be `cPrev` (in place).
  ///
  /// tanh(c_t) is not saved: the backward pass recomputes it from c_t with the same function,
  /// bit for bit, which costs less than a (T, B, H) buffer per layer.
  public static func forward(
    gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, biasRows: UnsafePointer<Int32>? = nil,
    cPrev: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>,
    batch: Int, hidden: Int
  ) {
    ckernels_lstm_forward(KernelISA.current.code, gates, bias, biasRows, cPrev, c, h, Int64(batch), Int64(hidden))
  }

  /// Backward through one step's element-wise math.
  ///
  /// - gates: (B, 4H) activated gates saved by ``forward``.  - cPrev, c: (B, H) c_{t−1} and c_t.
  /// - dh: (B, H) ∂loss/∂h_t (from the layer above plus the next step).
  /// - dc: (B, H) in: ∂loss/∂c_t from the next step; out: ∂loss/∂c_{t-1}.
  /// - dGates: (B, 4H) out: ∂loss/∂(gate pre-activations), order i, f, g, o. May be `gates`
  ///   itself: each element's four gates are read before its four gradients are written, so
  ///   the gradients can overwrite the saved gates (the LSTM layer does, to save a buffer).
  public static func backward(
    gates: UnsafePointer<Float>, cPrev: UnsafePointer<Float>, c: UnsafePointer<Float>,
    dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>,
    dGates: UnsafeMutablePointer<Float>, batch: Int, hidden: Int
  ) {
    ckernels_lstm_backward(KernelISA.current.code, gates, cPrev, c, dh, dc, dGates, Int64(batch), Int64(hidden))
  }

  // MARK: - Naive references (the specification; tests compare against these)

  /// Scalar reference of ``forward`` using libm's expf/tanhf.
  public static func forwardNaive(
    gates: UnsafeMutablePointer<Float>, bias table: UnsafePointer<Float>, biasRows: UnsafePointer<Int32>? = nil,
    cPrev: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>,
    batch: Int, hidden: Int
  ) {
    let H = hidden
    func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
    for b in 0..<batch {
      let bias = table + (biasRows.map { Int($0[b]) } ?? 0) * 4 * H
      for j in 0..<H {
        let base = b * 4 * H
        let i = sigmoid(gates[base + j] + bias[j])
        let f = sigmoid(gates[base + H + j] + bias[H + j])
        let g = tanhf(gates[base + 2 * H + j] + bias[2 * H + j])
        let o = sigmoid(gates[base + 3 * H + j] + bias[3 * H + j])
        let cNew = f * cPrev[b * H + j] + i * g
        gates[base + j] = i
        gates[base + H + j] = f
        gates[base + 2 * H + j] = g
        gates[base + 3 * H + j] = o
        c[b * H + j] = cNew
        h[b * H + j] = o * tanhf(cNew)
      }
    }
  }

  /// Scalar reference of ``backward``.
  public static func backwardNaive(
    gates: UnsafePointer<Float>, cPrev: UnsafePointer<Float>, c: UnsafePointer<Float>,
    dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>,
    dGates: UnsafeMutablePointer<Float>, batch: Int, hidden: Int
  ) {
    let H = hidden
    for b in 0..<batch {
      for j in 0..<H {
        let base = b * 4 * H
        let (i, f, g, o) = (gates[base + j], gates[base + H + j], gates[base + 2 * H + j], gates[base + 3 * H + j])
        let tc = tanhf(c[b * H + j])
        let dhv = dh[b * H + j]
        let dcv = dc[b * H + j] + dhv * o * (1 - tc * tc)
        dGates[base + j] = dcv * g * i * (1 - i)
        dGates[base + H + j] = dcv * cPrev[b * H + j] * f * (1 - f)
        dGates[base + 2 * H + j] = dcv * i * (1 - g * g)
        dGates[base + 3 * H + j] = dhv * tc * o * (1 - o)
        dc[b * H + j] = dcv * f
      }
    }
  }
}

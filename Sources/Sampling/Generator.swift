import Kernels
import Modeling

/// Runs a model one symbol at a time for one stream, on a matrix–vector path with all state
/// preallocated: the sampling loop does no allocation and no GEMM set-up for T·B rows.
///
/// Computes exactly what ``LanguageModel/forward(steps:state:workspace:)`` computes for T = 1,
/// B = 1 (tests compare the two).
public final class Generator {
  /// The model being run.
  public let model: LanguageModel
  /// The carried state, (L, 1, H).
  public let state: RecurrentState
  /// Logits for the next symbol after the last ``feed(_:)``, (V).
  public let logits: FloatBuffer
  /// gates: (G·H) x·W_ihᵀ (+ h·W_hhᵀ except for GRU).   hiddenGates: (3H), GRU's h·W_hhᵀ.
  /// bias: (L, G·H) b_ih + b_hh per layer (LSTM, RNN; GRU reads its two biases directly).
  let gates: FloatBuffer, hiddenGates: FloatBuffer, bias: FloatBuffer, tanhC: FloatBuffer, input: FloatBuffer

  /// A generator with a zero state.
  public init(model: LanguageModel) {
    let c = model.config
    self.model = model
    state = RecurrentState(config: c, batch: 1)
    logits = FloatBuffer(count: c.vocabSize)
    gates = FloatBuffer(count: c.cell.gateCount * c.hiddenSize)
    hiddenGates = FloatBuffer(count: c.cell == .gru ? c.cell.gateCount * c.hiddenSize : 0)
    bias = FloatBuffer(count: c.layers * c.cell.gateCount * c.hiddenSize)
    tanhC = FloatBuffer(count: c.hiddenSize)
    input = FloatBuffer(count: max(c.embeddingSize, c.hiddenSize))
    let G = c.cell.gateCount * c.hiddenSize
    for (k, slots) in model.layout.layers.enumerated() {
      let b = bias.pointer + k * G
      b.update(from: model.parameters.pointer(to: model.layout.slots[slots.biasIH]), count: G)
      VectorOps.add(model.parameters.pointer(to: model.layout.slots[slots.biasHH]), to: b, count: G)
    }
  }

  /// Feeds one symbol: advances the state and leaves the next symbol's logits in ``logits``.
  public func feed(_ id: Int) {
    let c = model.config
    let (layout, p) = (model.layout, model.parameters)
    let (E, H, V) = (c.embeddingSize, c.hiddenSize, c.vocabSize)
    let G = c.cell.gateCount * H
    input.pointer.update(from: p.pointer(to: layout.slots[layout.embedding]) + id * E, count: E)
    for (k, slots) in layout.layers.enumerated() {
      let In = c.inputSize(ofLayer: k)
      let h = state.h(layer: k), cell = state.c(layer: k)
      matvec(m: G, n: In, a: p.pointer(to: layout.slots[slots.weightIH]), lda: In, x: input.pointer, y: gates.pointer)
      let wHH = p.pointer(to: layout.slots[slots.weightHH])
      switch c.cell {
      case .lstm:
        matvec(m: G, n: H, a: wHH, lda: H, x: h, beta: 1, y: gates.pointer)
        // c is updated in place: each lane of c_{t−1} is read before the same lane is written.
        LSTMPointwise.forward(
          gates: gates.pointer, bias: bias.pointer + k * G, cPrev: cell, c: cell,
          tanhC: tanhC.pointer, h: h, batch: 1, hidden: H)
      case .gru:
        // The recurrent product stays apart: r multiplies only its n block. h is updated in
        // place (each lane of h_{t−1} is read before it is written).
        matvec(m: G, n: H, a: wHH, lda: H, x: h, y: hiddenGates.pointer)
        GRUPointwise.forward(
          inputGates: gates.pointer, hiddenGates: hiddenGates.pointer,
          biasIH: p.pointer(to: layout.slots[slots.biasIH]), biasHH: p.pointer(to: layout.slots[slots.biasHH]),
          hPrev: h, h: h, batch: 1, hidden: H)
      case .rnn:
        matvec(m: G, n: H, a: wHH, lda: H, x: h, beta: 1, y: gates.pointer)
        RNNPointwise.forward(preActivation: gates.pointer, bias: bias.pointer + k * G, h: h, batch: 1, hidden: H)
      }
      input.pointer.update(from: h, count: H)
    }
    logits.pointer.update(from: p.pointer(to: layout.slots[layout.headBias]), count: V)
    matvec(m: V, n: H, a: p.pointer(to: layout.slots[layout.headWeight]), lda: H, x: input.pointer, beta: 1, y: logits.pointer)
  }

  /// Returns the state to zero.
  public func reset() { state.reset() }
}

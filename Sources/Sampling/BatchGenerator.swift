import Kernels
import Modeling

/// Runs a model one symbol at a time for B independent streams in one pass, for every cell,
/// with all state preallocated: the sampling loop allocates nothing.
///
/// With B = 1 the products are matrix–vector (GEMV); with B > 1 they are one matrix product per
/// layer for all streams. Computes exactly what ``LanguageModel/forward(steps:state:workspace:)``
/// computes for T = 1 (tests compare the two, stream by stream).
public final class BatchGenerator {
  /// The model being run.
  public let model: LanguageModel
  /// B: independent streams.
  public let batch: Int
  /// The carried state, (L, B, H).
  public let state: RecurrentState
  /// Logits for each stream's next symbol after the last ``feed(_:)``, (B, V).
  public let logits: FloatBuffer
  /// (B, G·H) gate pre-activations; (B, G·H) GRU's separate recurrent product; (L, G·H)
  /// b_ih + b_hh; (B, H) tanh(c); (B, max(E, H)) the current layer's input.
  let gates: FloatBuffer, hiddenGates: FloatBuffer, bias: FloatBuffer, input: FloatBuffer

  /// A generator of `batch` streams with a zero state.
  public init(model: LanguageModel, batch: Int) {
    precondition(batch >= 1)
    let c = model.config
    let G = c.cell.gateCount * c.hiddenSize
    self.model = model
    self.batch = batch
    state = RecurrentState(config: c, batch: batch)
    logits = FloatBuffer(count: batch * c.vocabSize)
    gates = FloatBuffer(count: batch * G)
    hiddenGates = FloatBuffer(count: c.cell == .gru ? batch * G : 0)
    bias = FloatBuffer(count: c.layers * G)
    input = FloatBuffer(count: batch * max(c.embeddingSize, c.hiddenSize))
    for (k, slots) in model.layout.layers.enumerated() {
      let b = bias.pointer + k * G
      b.update(from: model.parameters.pointer(to: model.layout.slots[slots.biasIH]), count: G)
      VectorOps.add(model.parameters.pointer(to: model.layout.slots[slots.biasHH]), to: b, count: G)
    }
  }

  /// Stream b's logits, (V).
  public func logits(ofStream b: Int) -> UnsafeMutablePointer<Float> {
    logits.pointer + b * model.config.vocabSize
  }

  /// Feeds one symbol per stream (`ids`: B ids): advances every stream's state and leaves the
  /// next symbols' logits in ``logits``.
  public func feed(_ ids: [Int]) {
    precondition(ids.count == batch)
    let c = model.config
    let (layout, p) = (model.layout, model.parameters)
    let (B, E, H, V) = (batch, c.embeddingSize, c.hiddenSize, c.vocabSize)
    let G = c.cell.gateCount * H
    let table = p.pointer(to: layout.slots[layout.embedding])
    for (b, id) in ids.enumerated() { (input.pointer + b * E).update(from: table + id * E, count: E) }
    for (k, slots) in layout.layers.enumerated() {
      let In = c.inputSize(ofLayer: k)
      let h = state.h(layer: k)
      let cell = state.c(layer: k)
      let wHH = p.pointer(to: layout.slots[slots.weightHH])
      // gates (B, G·H) = input (B, In) · W_ihᵀ
      product(
        rows: G, columns: In, weight: p.pointer(to: layout.slots[slots.weightIH]), x: input.pointer, y: gates.pointer)
      switch c.cell {
      case .lstm:
        product(rows: G, columns: H, weight: wHH, x: h, accumulate: true, y: gates.pointer)
        // c is updated in place: each lane of c_{t−1} is read before the same lane is written.
        LSTMPointwise.forward(
          gates: gates.pointer, bias: bias.pointer + k * G, cPrev: cell, c: cell, h: h, batch: B, hidden: H)
      case .gru:
        // The recurrent product stays apart: r multiplies only its n block. h is updated in
        // place (each lane of h_{t−1} is read before it is written).
        product(rows: G, columns: H, weight: wHH, x: h, y: hiddenGates.pointer)
        GRUPointwise.forward(
          inputGates: gates.pointer, hiddenGates: hiddenGates.pointer,
          biasIH: p.pointer(to: layout.slots[slots.biasIH]), biasHH: p.pointer(to: layout.slots[slots.biasHH]),
          hPrev: h, h: h, batch: B, hidden: H)
      case .rnn:
        product(rows: G, columns: H, weight: wHH, x: h, accumulate: true, y: gates.pointer)
        RNNPointwise.forward(preActivation: gates.pointer, bias: bias.pointer + k * G, h: h, batch: B, hidden: H)
      }
      input.pointer.update(from: h, count: B * H)
    }
    // logits (B, V) = head bias + h (B, H) · W_headᵀ
    let headBias = p.pointer(to: layout.slots[layout.headBias])
    for b in 0..<B { (logits.pointer + b * V).update(from: headBias, count: V) }
    product(
      rows: V, columns: H, weight: p.pointer(to: layout.slots[layout.headWeight]), x: input.pointer, accumulate: true,
      y: logits.pointer)
  }

  /// Returns every stream's state to zero.
  public func reset() { state.reset() }

  /// y (B, rows) (+)= x (B, columns) · weightᵀ, weight (rows, columns): GEMV for one stream.
  private func product(
    rows: Int, columns: Int, weight: UnsafePointer<Float>, x: UnsafePointer<Float>, accumulate: Bool = false,
    y: UnsafeMutablePointer<Float>
  ) {
    if batch == 1 {
      matvec(m: rows, n: columns, a: weight, lda: columns, x: x, beta: accumulate ? 1 : 0, y: y)
    } else {
      matmul(
        transposeB: true, m: batch, n: rows, k: columns, a: x, lda: columns, b: weight, ldb: columns,
        beta: accumulate ? 1 : 0, c: y, ldc: rows)
    }
  }
}

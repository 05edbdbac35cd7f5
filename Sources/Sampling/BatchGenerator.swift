import Kernels
import Modeling

/// Runs a model one symbol at a time for B independent streams at once: each step is one
/// matrix–matrix product (GEMM) per weight instead of B matrix–vector products, so N samples
/// cost little more than one.
///
/// Stream b computes what a ``Generator`` fed the same ids computes (up to the order of the
/// floating-point sums; tests compare the two).
public final class BatchGenerator {
  /// The model being run.
  public let model: LanguageModel
  /// Number of streams B.
  public let batch: Int
  /// The carried state, (L, B, H).
  public let state: RecurrentState
  /// Logits for each stream's next symbol after the last ``feed(_:)``, (B, V).
  public let logits: FloatBuffer
  let gates: FloatBuffer, bias: FloatBuffer, tanhC: FloatBuffer, input: FloatBuffer

  /// A generator of `batch` streams with a zero state.
  public init(model: LanguageModel, batch: Int) {
    let c = model.config
    precondition(c.cell == .lstm && batch >= 1)
    self.model = model
    self.batch = batch
    state = RecurrentState(config: c, batch: batch)
    logits = FloatBuffer(count: batch * c.vocabSize)
    let G = c.cell.gateCount * c.hiddenSize
    gates = FloatBuffer(count: batch * G)
    bias = FloatBuffer(count: c.layers * G)
    tanhC = FloatBuffer(count: batch * c.hiddenSize)
    input = FloatBuffer(count: batch * max(c.embeddingSize, c.hiddenSize))
    for (k, slots) in model.layout.layers.enumerated() {
      let b = bias.pointer + k * G
      b.update(from: model.parameters.pointer(to: model.layout.slots[slots.biasIH]), count: G)
      VectorOps.add(model.parameters.pointer(to: model.layout.slots[slots.biasHH]), to: b, count: G)
    }
  }

  /// Logits of stream `b`, (V).
  public func logits(ofStream b: Int) -> UnsafeMutablePointer<Float> {
    logits.pointer + b * model.config.vocabSize
  }

  /// Feeds one symbol per stream: advances every stream's state and leaves the next symbols'
  /// logits in ``logits``.
  /// - ids: (B) one symbol id per stream.
  public func feed(_ ids: [Int]) {
    precondition(ids.count == batch)
    let c = model.config
    let (layout, p) = (model.layout, model.parameters)
    let (B, E, H, V) = (batch, c.embeddingSize, c.hiddenSize, c.vocabSize)
    let G = c.cell.gateCount * H
    // input: (B, E) gathered embedding rows.
    let table = p.pointer(to: layout.slots[layout.embedding])
    for (b, id) in ids.enumerated() {
      (input.pointer + b * E).update(from: table + id * E, count: E)
    }
    for (k, slots) in layout.layers.enumerated() {
      let In = c.inputSize(ofLayer: k)
      let h = state.h(layer: k), cell = state.c(layer: k)
      // gates (B, 4H) = input (B, In) · W_ih^T + h (B, H) · W_hh^T
      matmul(
        transposeB: true, m: B, n: G, k: In, a: input.pointer, lda: In,
        b: p.pointer(to: layout.slots[slots.weightIH]), ldb: In, c: gates.pointer, ldc: G)
      matmul(
        transposeB: true, m: B, n: G, k: H, a: h, lda: H,
        b: p.pointer(to: layout.slots[slots.weightHH]), ldb: H, beta: 1, c: gates.pointer, ldc: G)
      // c is updated in place: each lane of c_{t−1} is read before the same lane is written.
      LSTMPointwise.forward(
        gates: gates.pointer, bias: bias.pointer + k * G, cPrev: cell, c: cell,
        tanhC: tanhC.pointer, h: h, batch: B, hidden: H)
      input.pointer.update(from: h, count: B * H)
    }
    // logits (B, V) = head bias (broadcast) + h (B, H) · W_head^T
    let headBias = p.pointer(to: layout.slots[layout.headBias])
    for b in 0..<B { (logits.pointer + b * V).update(from: headBias, count: V) }
    matmul(
      transposeB: true, m: B, n: V, k: H, a: input.pointer, lda: H,
      b: p.pointer(to: layout.slots[layout.headWeight]), ldb: H, beta: 1, c: logits.pointer, ldc: V)
  }

  /// Returns every stream's state to zero.
  public func reset() { state.reset() }
}

import Kernels

/// The buffers of ``LanguageModel/step(ids:state:workspace:)`` for B streams, made once by
/// ``LanguageModel/makeStepWorkspace(batch:)``: a generation loop that reuses them allocates
/// nothing.
public final class StepWorkspace {
  /// B: streams.
  public let batch: Int
  /// Logits for each stream's next symbol after the last step, (B, V).
  public let logits: FloatBuffer
  /// The current layer's input, (B, max(E, H)).
  let input: FloatBuffer
  /// Each layer's own buffers, bottom first.
  let layers: [StepBuffers]

  init(batch: Int, logits: Int, input: Int, layers: [StepBuffers]) {
    self.batch = batch
    self.logits = FloatBuffer(count: logits)
    self.input = FloatBuffer(count: input)
    self.layers = layers
  }
}

extension LanguageModel {
  /// Buffers for one-symbol steps of `batch` streams. Layers precompute what they can from the
  /// parameters now (e.g. b_ih + b_hh): make a new workspace after the parameters change.
  public func makeStepWorkspace(batch: Int) -> StepWorkspace {
    precondition(batch >= 1)
    return StepWorkspace(
      batch: batch, logits: batch * config.vocabSize, input: batch * max(config.embeddingSize, config.hiddenSize),
      layers: recurrentLayers.map { $0.makeStepBuffers(parameters: parameters, layout: layout, batch: batch) })
  }

  /// One symbol per stream through the whole model: embedding, each layer's
  /// ``RecurrentLayer/step(parameters:layout:input:state:buffers:)``, head. The same arithmetic
  /// as ``forward(steps:state:workspace:)`` for T = 1 (with B = 1, matrix–vector products).
  ///
  /// - ids: (B).   - state: (L, B, H), advanced one step.   - workspace.logits: (B, V) out.
  public func step(ids: [Int], state: RecurrentState, workspace ws: StepWorkspace) {
    let (B, E, H, V) = (ws.batch, config.embeddingSize, config.hiddenSize, config.vocabSize)
    precondition(ids.count == B && state.batch == B)
    let input = ws.input.pointer
    let table = parameters.pointer(to: layout.slots[layout.embedding])
    for (b, id) in ids.enumerated() { (input + b * E).update(from: table + id * E, count: E) }
    // By index: iterating the array would copy each existential (a retain and an outlined copy
    // per layer and symbol, visible in a profile of a small model's sampling).
    for k in recurrentLayers.indices {
      recurrentLayers[k].step(parameters: parameters, layout: layout, input: input, state: state, buffers: ws.layers[k])
      input.update(from: state.h(layer: k), count: B * H)
    }
    // logits (B, V) = head bias + h (B, H) · W_headᵀ
    let headBias = parameters.pointer(to: layout.slots[layout.headBias])
    for b in 0..<B { (ws.logits.pointer + b * V).update(from: headBias, count: V) }
    stepProduct(
      batch: B, rows: V, columns: H, weight: parameters.pointer(to: layout.slots[layout.headWeight]), x: input,
      accumulate: true, y: ws.logits.pointer)
  }
}

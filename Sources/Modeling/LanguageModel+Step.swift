import Kernels

/// The buffers of ``LanguageModel/step(ids:state:workspace:)`` for B streams, made once by
/// ``LanguageModel/makeStepWorkspace(batch:)``: a generation loop that reuses them allocates
/// nothing.
public final class StepWorkspace {
  /// B: streams.
  public let batch: Int
  /// Logits for each stream's next symbol after the last step, (B, V).
  public let logits: FloatBuffer
  /// The embedded symbols, (B, E), where layer 0 does not fold (layers above read the state's h
  /// of the layer below, and the head the top one's).
  let embedded: FloatBuffer
  /// Each layer's own buffers, bottom first.
  let layers: [StepBuffers]
  /// Layer 0's folded table P = Emb·W_ihᵀ, (V, G·H), where it pays
  /// (``FoldedEmbedding/paysForSteps(vocab:embedding:)``), else empty.
  let foldedTable: FloatBuffer
  /// Layer 0's recurrent product for the next step, computed alongside the products of layer 1
  /// (or of the head): for one stream, else nil.
  let ahead: RecurrentProductAhead?

  init(
    batch: Int, logits: Int, embedded: Int, layers: [StepBuffers], foldedTable: FloatBuffer,
    ahead: RecurrentProductAhead?
  ) {
    self.batch = batch
    self.logits = FloatBuffer(count: logits)
    self.embedded = FloatBuffer(count: embedded)
    self.layers = layers
    self.foldedTable = foldedTable
    self.ahead = ahead
  }
}

extension LanguageModel {
  /// Buffers for one-symbol steps of `batch` streams. Layers precompute what they can from the
  /// parameters now (e.g. b_ih + b_hh, layer 0's folded table): make a new workspace after the
  /// parameters change.
  public func makeStepWorkspace(batch: Int) -> StepWorkspace {
    precondition(batch >= 1)
    let (V, E, width) = (config.vocabSize, config.embeddingSize, config.cell.gateCount * config.hiddenSize)
    let folds = allowsEmbeddingFold && FoldedEmbedding.paysForSteps(vocab: V, embedding: E)
    let table = FloatBuffer(count: folds ? V * width : 0)
    if folds {
      // Row v = W_ih·Emb[v], by the very matrix–vector kernel the unfolded step runs on the
      // embedded symbol: the same bits, so sampled text does not change with the fold.
      let (embedding, weight) = (
        parameters.pointer(to: layout.slots[layout.embedding]),
        parameters.pointer(to: layout.slots[layout.layers[0].weightIH])
      )
      for v in 0..<V {
        matvec(m: width, n: E, a: weight, lda: E, x: embedding + v * E, y: table.pointer + v * width)
      }
    }
    return StepWorkspace(
      batch: batch, logits: batch * config.vocabSize, embedded: folds ? 0 : batch * config.embeddingSize,
      layers: recurrentLayers.map { $0.makeStepBuffers(parameters: parameters, layout: layout, batch: batch) },
      foldedTable: table,
      ahead: batch == 1 ? RecurrentProductAhead(rows: width, hidden: config.hiddenSize) : nil)
  }

  /// One symbol per stream through the whole model: embedding, each layer's
  /// ``RecurrentLayer/step(parameters:layout:input:state:buffers:recurrentProduct:alongside:)``, head. The same arithmetic
  /// as ``forward(steps:state:workspace:)`` for T = 1 (with B = 1, matrix–vector products).
  ///
  /// - ids: (B).   - state: (L, B, H), advanced one step.   - workspace.logits: (B, V) out.
  public func step(ids: [Int], state: RecurrentState, workspace ws: StepWorkspace) {
    let (B, E, H, V) = (ws.batch, config.embeddingSize, config.hiddenSize, config.vocabSize)
    precondition(ids.count == B && state.batch == B)
    let embedded = ws.embedded.pointer
    if ws.foldedTable.count == 0 {
      let table = parameters.pointer(to: layout.slots[layout.embedding])
      for (b, id) in ids.enumerated() { (embedded + b * E).update(from: table + id * E, count: E) }
    }
    ids.withUnsafeBufferPointer { ids in
      let bottom: StepInput =
        ws.foldedTable.count > 0 ? .folded(table: ws.foldedTable.pointer, ids: ids) : .rows(embedded)
      // By index: iterating the array would copy each existential (a retain and an outlined copy
      // per layer and symbol, visible in a profile of a small model's sampling).
      for k in recurrentLayers.indices {
        // Layer 0 takes its h·W_hhᵀ from the last step if it was computed from this state; the
        // next split after h_0 is final computes it for the next step: layer 1's products here,
        // or the head's in a one-layer model.
        let recurrentProduct = k == 0 ? ws.ahead?.take(matching: state.h(layer: 0)) : nil
        recurrentLayers[k].step(
          parameters: parameters, layout: layout, input: k == 0 ? bottom : .rows(state.h(layer: k - 1)),
          state: state, buffers: ws.layers[k], recurrentProduct: recurrentProduct,
          alongside: k == 1 ? fillAhead(ws, state) : nil)
      }
    }
    // logits (B, V) = head bias + h (B, H) · W_headᵀ
    let headBias = parameters.pointer(to: layout.slots[layout.headBias])
    for b in 0..<B { (ws.logits.pointer + b * V).update(from: headBias, count: V) }
    stepProduct(
      batch: B, rows: V, columns: H, weight: parameters.pointer(to: layout.slots[layout.headWeight]),
      x: state.h(layer: config.layers - 1), accumulate: true, y: ws.logits.pointer,
      alongside: recurrentLayers.count == 1 ? fillAhead(ws, state) : nil)
  }

  /// The product that computes layer 0's h·W_hhᵀ of the next step into the workspace, from the
  /// state's h_0, where the workspace computes it ahead (one stream).
  private func fillAhead(_ ws: StepWorkspace, _ state: RecurrentState) -> MatvecTerm? {
    ws.ahead?.fill(weight: parameters.pointer(to: layout.slots[layout.layers[0].weightHH]), h: state.h(layer: 0))
  }
}

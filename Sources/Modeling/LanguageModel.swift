import Kernels

/// A character-level language model: Embedding(V, E) → L recurrent layers (LSTM, GRU or RNN)
/// of H units → Linear(H, V) → softmax, with its parameters in one flat buffer (see
/// ``ParameterLayout``). Training may drop out the inputs of layers 1 … L−1 (the outputs of the
/// layers below), as `torch.nn.LSTM(dropout:)` does; evaluation never drops.
///
/// The model knows nothing of files, flags or text: it maps chunks of token ids to losses,
/// gradients and logits.
public final class LanguageModel {
  /// The model's shape.
  public let config: ModelConfig
  /// Where each named tensor lives in ``parameters``.
  public let layout: ParameterLayout
  /// All parameters, laid out by ``layout``.
  public let parameters: FloatBuffer
  /// The recurrent stack, bottom first.
  let recurrentLayers: [any RecurrentLayer]
  /// Whether layer 0 may read the embedding folded into W_ih when it pays (see
  /// ``FoldedEmbedding``); tests turn it off to compare against the dense path.
  var allowsEmbeddingFold = true

  /// Whether a chunk of `rows` = T·B symbols runs layer 0 with the embedding folded into W_ih:
  /// its input products then run over the V rows of Emb·W_ihᵀ instead of the T·B rows.
  public func foldsEmbedding(rows: Int) -> Bool {
    allowsEmbeddingFold && FoldedEmbedding.pays(vocab: config.vocabSize, rows: rows)
  }

  /// A model with the given parameters (`parameters.count` must equal the layout's total).
  public init(config: ModelConfig, parameters: FloatBuffer) {
    let layout = ParameterLayout(config: config)
    precondition(parameters.count == layout.totalCount, "parameter count does not match the layout")
    self.config = config
    self.layout = layout
    self.parameters = parameters
    recurrentLayers = layout.layers.enumerated().map { k, slots in
      config.cell.layerType.init(
        index: k, inputSize: config.inputSize(ofLayer: k), hidden: config.hiddenSize, slots: slots)
    }
  }

  /// A model initialized as PyTorch initializes its modules: embedding ~ N(0, 1); recurrent
  /// weights and biases ~ U(−1/√H, 1/√H); head weight and bias ~ U(−1/√H, 1/√H).
  public convenience init(config: ModelConfig, generator: inout SeededGenerator) {
    let layout = ParameterLayout(config: config)
    let parameters = FloatBuffer(count: layout.totalCount)
    let bound = 1 / Float(config.hiddenSize).squareRoot()
    for slot in layout.slots {
      let p = parameters.pointer(to: slot)
      for i in 0..<slot.count {
        p[i] =
          slot.name == "embedding.weight"
          ? generator.nextStandardNormal()
          : (generator.nextUnitFloat() * 2 - 1) * bound
      }
    }
    self.init(config: config, parameters: parameters)
  }

  /// A buffer shaped like the parameters (for gradients and optimizer moments).
  public func makeParameterShapedBuffer() -> FloatBuffer { FloatBuffer(count: layout.totalCount) }

  // MARK: - Forward

  /// Runs the chunk in `workspace.inputs` forward, leaving logits in `workspace.logits`.
  ///
  /// - workspace.inputs: (T, B) ids.   - state: (L, B, H), read and updated to the chunk's end.
  public func forward(steps T: Int, state: RecurrentState, workspace ws: Workspace) {
    forward(steps: T, state: state, workspace: ws, dropout: false)
  }

  /// ``forward(steps:state:workspace:)``; with `dropout`, layer k ≥ 1 reads its input
  /// multiplied by `workspace.dropoutMask(layer: k)` (saved in `droppedInputs` for the backward).
  func forward(steps T: Int, state: RecurrentState, workspace ws: Workspace, dropout: Bool) {
    forwardLayers(steps: T, state: state, workspace: ws, dropout: dropout)
    OutputHead.forward(
      parameters: parameters, layout: layout, top: ws.topOutputs, rows: T * ws.batch,
      hidden: config.hiddenSize, vocab: config.vocabSize, logits: ws.logits.pointer)
  }

  /// The recurrent stack's part of ``forward(steps:state:workspace:dropout:)``: leaves the top
  /// layer's outputs in `workspace.topOutputs`.
  func forwardLayers(steps T: Int, state: RecurrentState, workspace ws: Workspace, dropout: Bool) {
    precondition(T >= 1 && T <= ws.steps && state.batch == ws.batch)
    let (B, E, H) = (ws.batch, config.embeddingSize, config.hiddenSize)
    let bottom = bottomInput(rows: T * B, workspace: ws)
    if case .rows = bottom {
      Embedding.forward(
        weight: parameters.pointer(to: layout.slots[layout.embedding]), ids: ws.inputs,
        count: T * B, width: E, output: ws.embedded.pointer)
    }
    for layer in recurrentLayers {
      let k = layer.index
      let input: LayerInput
      if k == 0 {
        input = bottom
      } else if dropout {
        let below = ws.hiddenStates[k - 1].pointer + B * H
        Dropout.apply(below, mask: ws.dropoutMasks[k].pointer, output: ws.droppedInputs[k].pointer, count: T * B * H)
        input = .rows(ws.droppedInputs[k].pointer)
      } else {
        input = .rows(ws.hiddenStates[k - 1].pointer + B * H)
      }
      layer.forward(parameters: parameters, layout: layout, input: input, steps: T, state: state, workspace: ws)
    }
  }

  /// Forward and loss: the summed cross-entropy of the chunk against `workspace.targets`.
  ///
  /// Leaves softmax probabilities in `workspace.logits`.
  /// - Returns: Σ nats over scored positions (targets ≥ 0) and how many were scored.
  /// - rowNats: when given, (T, B) out: each position's nats (0 where not scored).
  /// - parametersUnchanged: true when the parameters have not changed since the previous call
  ///   with this workspace (a scoring loop's later chunks): the head's packed W_head is reused
  ///   (Tang poems: a 6.6 MB reorder per chunk of 256 symbols, 5% of `charlm perplexity`).
  public func loss(
    steps T: Int, state: RecurrentState, workspace ws: Workspace, rowNats: UnsafeMutablePointer<Double>? = nil,
    parametersUnchanged: Bool = false
  ) -> (nats: Double, scored: Int) {
    forwardLayers(steps: T, state: state, workspace: ws, dropout: false)
    return OutputHead.loss(
      parameters: parameters, layout: layout, weights: ws.headWeights, repack: !parametersUnchanged,
      top: ws.topOutputs, targets: ws.targets, rows: T * ws.batch, hidden: config.hiddenSize,
      vocab: config.vocabSize, logits: ws.logits.pointer, rowNats: rowNats)
  }

  // MARK: - Forward and backward

  /// One training chunk: forward, mean loss, and the gradient of that mean loss.
  ///
  /// - workspace.inputs, .targets: (T, B).   - state: carried; updated to the chunk's end.
  /// - gradients: parameter-shaped; overwritten with ∂(mean loss)/∂parameters.
  /// - stateGradient: when given, receives ∂(mean loss)/∂(initial state) (∂c_0 = 0 for cells
  ///   without a cell state).
  /// - dropout: when true, the input of each layer k ≥ 1 is multiplied by
  ///   `workspace.dropoutMask(layer: k)`, which the caller has filled (usually with
  ///   ``Workspace/drawDropoutMasks(probability:generator:)``); the gradient goes through the
  ///   same mask. When false (the default) nothing is dropped.
  /// - Returns: mean cross-entropy in nats per scored position.
  @discardableResult
  public func forwardBackward(
    steps T: Int, state: RecurrentState, workspace ws: Workspace, gradients: FloatBuffer,
    stateGradient: RecurrentState? = nil, dropout: Bool = false
  ) -> Float {
    let (B, E, H, V) = (ws.batch, config.embeddingSize, config.hiddenSize, config.vocabSize)
    forwardLayers(steps: T, state: state, workspace: ws, dropout: dropout)
    gradients.zero()
    let (nats, scored) = OutputHead.lossAndGradient(
      parameters: parameters, layout: layout, gradients: gradients, weights: ws.headWeights,
      weightsBackward: ws.headWeightsBackward, top: ws.topOutputs, targets: ws.targets, rows: T * B, hidden: H,
      vocab: V, logits: ws.logits.pointer, topGradient: ws.hiddenGradients[config.layers - 1].pointer,
      scratch: UnsafeMutableBufferPointer(start: ws.headScratch.pointer, count: ws.headScratch.count))
    guard scored > 0 else { return 0 }
    let bottom = bottomInput(rows: T * B, workspace: ws)
    for layer in recurrentLayers.reversed() {
      let k = layer.index
      let dropped = dropout && k > 0
      let input: LayerInput =
        k == 0 ? bottom : .rows(dropped ? ws.droppedInputs[k].pointer : ws.hiddenStates[k - 1].pointer + B * H)
      let inputGradient: UnsafeMutablePointer<Float>? =
        switch input {
        case .folded: nil  // goes straight into the embedding's gradient
        case .rows: k > 0 ? ws.hiddenGradients[k - 1].pointer : ws.embeddedGradient.pointer
        }
      layer.backward(
        parameters: parameters, layout: layout, gradients: gradients, input: input,
        inputGradient: inputGradient, steps: T, workspace: ws, stateGradient: stateGradient)
      if dropped, let inputGradient {
        // ∂loss/∂(layer k−1's output) = mask ⊙ ∂loss/∂(dropped input), in place.
        Dropout.apply(inputGradient, mask: ws.dropoutMasks[k].pointer, output: inputGradient, count: T * B * H)
      }
    }
    if case .rows = bottom {
      Embedding.backward(
        outputGradient: ws.embeddedGradient.pointer, ids: ws.inputs, count: T * B, width: E,
        weightGradient: gradients.pointer(to: layout.slots[layout.embedding]))
    }
    return Float(nats / Double(scored))
  }

  /// Layer 0's input for a chunk of N = T·B symbols: the embedding folded into W_ih when that
  /// pays (``FoldedEmbedding``; the workspace sized its table for its largest chunk, and a
  /// smaller one only pays if that one did), else the embedded rows in `workspace.embedded`,
  /// which the forward fills.
  func bottomInput(rows N: Int, workspace ws: Workspace) -> LayerInput {
    foldsEmbedding(rows: N)
      ? .folded(FoldedEmbedding(ids: ws.inputs, table: ws.foldedTable.pointer, vocab: config.vocabSize))
      : .rows(ws.embedded.pointer)
  }
}

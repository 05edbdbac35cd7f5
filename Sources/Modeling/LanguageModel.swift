import Kernels

/// A character-level language model: Embedding(V, E) → L LSTM layers of H units →
/// Linear(H, V) → softmax, with its parameters in one flat buffer (see ``ParameterLayout``).
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
  let lstmLayers: [LSTMLayer]

  /// A model with the given parameters (`parameters.count` must equal the layout's total).
  public init(config: ModelConfig, parameters: FloatBuffer) {
    let layout = ParameterLayout(config: config)
    precondition(parameters.count == layout.totalCount, "parameter count does not match the layout")
    self.config = config
    self.layout = layout
    self.parameters = parameters
    lstmLayers = layout.layers.enumerated().map { k, slots in
      LSTMLayer(index: k, inputSize: config.inputSize(ofLayer: k), hidden: config.hiddenSize, slots: slots)
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
    precondition(T >= 1 && T <= ws.steps && state.batch == ws.batch)
    let (B, E) = (ws.batch, config.embeddingSize)
    Embedding.forward(
      weight: parameters.pointer(to: layout.slots[layout.embedding]), ids: ws.inputs,
      count: T * B, width: E, output: ws.embedded.pointer)
    var input = UnsafePointer(ws.embedded.pointer)
    for layer in lstmLayers {
      layer.forward(parameters: parameters, layout: layout, input: input, steps: T, state: state, workspace: ws)
      input = UnsafePointer(ws.hiddenStates[layer.index].pointer + B * config.hiddenSize)
    }
    OutputHead.forward(
      parameters: parameters, layout: layout, top: ws.topOutputs, rows: T * B,
      hidden: config.hiddenSize, vocab: config.vocabSize, logits: ws.logits.pointer)
  }

  /// Forward and loss: the summed cross-entropy of the chunk against `workspace.targets`.
  ///
  /// Leaves softmax probabilities in `workspace.logits`.
  /// - Returns: Σ nats over scored positions (targets ≥ 0) and how many were scored.
  public func loss(steps T: Int, state: RecurrentState, workspace ws: Workspace) -> (nats: Double, scored: Int) {
    forward(steps: T, state: state, workspace: ws)
    return SoftmaxCrossEntropy.forward(
      logits: ws.logits.pointer, targets: ws.targets, rows: T * ws.batch, vocab: config.vocabSize)
  }

  // MARK: - Forward and backward

  /// One training chunk: forward, mean loss, and the gradient of that mean loss.
  ///
  /// - workspace.inputs, .targets: (T, B).   - state: carried; updated to the chunk's end.
  /// - gradients: parameter-shaped; overwritten with ∂(mean loss)/∂parameters.
  /// - stateGradient: when given, receives ∂(mean loss)/∂(initial state).
  /// - Returns: mean cross-entropy in nats per scored position.
  @discardableResult
  public func forwardBackward(
    steps T: Int, state: RecurrentState, workspace ws: Workspace, gradients: FloatBuffer,
    stateGradient: RecurrentState? = nil
  ) -> Float {
    let (B, E, H, V) = (ws.batch, config.embeddingSize, config.hiddenSize, config.vocabSize)
    let (nats, scored) = loss(steps: T, state: state, workspace: ws)
    gradients.zero()
    guard scored > 0 else { return 0 }
    SoftmaxCrossEntropy.backward(
      probabilities: ws.logits.pointer, targets: ws.targets, rows: T * B, vocab: V,
      scale: 1 / Float(scored))
    OutputHead.backward(
      parameters: parameters, layout: layout, gradients: gradients,
      logitGradient: ws.logits.pointer, top: ws.topOutputs, rows: T * B, hidden: H, vocab: V,
      topGradient: ws.hiddenGradients[config.layers - 1].pointer)
    for layer in lstmLayers.reversed() {
      let k = layer.index
      let input = k == 0 ? ws.embedded.pointer : ws.hiddenStates[k - 1].pointer + B * H
      let inputGradient = k == 0 ? ws.embeddedGradient.pointer : ws.hiddenGradients[k - 1].pointer
      layer.backward(
        parameters: parameters, layout: layout, gradients: gradients, input: input,
        inputGradient: inputGradient, steps: T, workspace: ws, stateGradient: stateGradient)
    }
    Embedding.backward(
      outputGradient: ws.embeddedGradient.pointer, ids: ws.inputs, count: T * B, width: E,
      weightGradient: gradients.pointer(to: layout.slots[layout.embedding]))
    return Float(nats / Double(scored))
  }
}

import Kernels

/// One layer of the recurrent stack, whichever its cell: a closed enum over the three layer
/// types, so a call is a switch on a tag (no existential boxes, no allocation in the step).
/// Every case has the same forward/backward contract (see ``LSTMLayer``).
enum RecurrentLayer {
  case lstm(LSTMLayer)
  case gru(GRULayer)
  case rnn(RNNLayer)

  /// Layer k of a stack of `config.cell` layers.
  init(config: ModelConfig, index k: Int, slots: ParameterLayout.LayerSlots) {
    let (input, H) = (config.inputSize(ofLayer: k), config.hiddenSize)
    switch config.cell {
    case .lstm: self = .lstm(LSTMLayer(index: k, inputSize: input, hidden: H, slots: slots))
    case .gru: self = .gru(GRULayer(index: k, inputSize: input, hidden: H, slots: slots))
    case .rnn: self = .rnn(RNNLayer(index: k, inputSize: input, hidden: H, slots: slots))
    }
  }

  /// Index of the layer in the stack.
  var index: Int {
    switch self {
    case .lstm(let l): l.index
    case .gru(let l): l.index
    case .rnn(let l): l.index
    }
  }

  /// - input: (T, B, In) rows or the folded embedding   - state: updated to the chunk's end.
  ///   See the cell's layer type.
  func forward(
    parameters: FloatBuffer, layout: ParameterLayout, input: LayerInput,
    steps T: Int, state: RecurrentState, workspace ws: Workspace
  ) {
    switch self {
    case .lstm(let l):
      l.forward(parameters: parameters, layout: layout, input: input, steps: T, state: state, workspace: ws)
    case .gru(let l):
      l.forward(parameters: parameters, layout: layout, input: input, steps: T, state: state, workspace: ws)
    case .rnn(let l):
      l.forward(parameters: parameters, layout: layout, input: input, steps: T, state: state, workspace: ws)
    }
  }

  /// - input: as given to forward.   - inputGradient: (T, B, In) out, or nil (always nil for a
  ///   folded input, whose gradient goes straight to the embedding's).
  func backward(
    parameters: FloatBuffer, layout: ParameterLayout, gradients: FloatBuffer,
    input: LayerInput, inputGradient: UnsafeMutablePointer<Float>?,
    steps T: Int, workspace ws: Workspace, stateGradient: RecurrentState?
  ) {
    switch self {
    case .lstm(let l):
      l.backward(
        parameters: parameters, layout: layout, gradients: gradients, input: input, inputGradient: inputGradient,
        steps: T, workspace: ws, stateGradient: stateGradient)
    case .gru(let l):
      l.backward(
        parameters: parameters, layout: layout, gradients: gradients, input: input, inputGradient: inputGradient,
        steps: T, workspace: ws, stateGradient: stateGradient)
    case .rnn(let l):
      l.backward(
        parameters: parameters, layout: layout, gradients: gradients, input: input, inputGradient: inputGradient,
        steps: T, workspace: ws, stateGradient: stateGradient)
    }
  }
}

extension ParameterLayout.LayerSlots {
  /// The chunk-level half of every cell's backward pass: one GEMM per weight gradient over all
  /// N = T·B rows, the two bias gradients, and ∂loss/∂input.
  ///
  /// - inputSide: (N, G) ∂loss/∂(x·W_ihᵀ + b_ih).   - hiddenSide: (N, G) ∂loss/∂(h·W_hhᵀ + b_hh):
  ///   the same buffer as `inputSide` for LSTM and RNN, GRU's separate one for its n gate.
  /// - input: the layer's input, (N, In) rows or the folded embedding.
  /// - previousHidden: (N, H) h_0 … h_{T−1}.
  /// - inputGradient: (N, In) out: ∂loss/∂input, or nil when not needed.
  /// - gradients: accumulated into the layer's four tensors (and, for a folded input, into the
  ///   embedding's: see ``FoldedEmbedding``).
  func accumulateChunkGradients(
    parameters: FloatBuffer, layout: ParameterLayout, gradients: FloatBuffer,
    rows N: Int, gateRows G: Int, inputSize: Int, hidden H: Int,
    input: LayerInput, previousHidden: UnsafePointer<Float>,
    inputSide: UnsafePointer<Float>, hiddenSide: UnsafePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>?
  ) {
    let wIH = parameters.pointer(to: layout.slots[weightIH])
    switch input {
    case .rows(let x):
      matmul(
        transposeA: true, m: G, n: inputSize, k: N, a: inputSide, lda: G, b: x, ldb: inputSize,
        beta: 1, c: gradients.pointer(to: layout.slots[weightIH]), ldc: inputSize)
      if let inputGradient {
        matmul(m: N, n: inputSize, k: G, a: inputSide, lda: G, b: wIH, ldb: inputSize, c: inputGradient, ldc: inputSize)
      }
    case .folded(let f):
      // ∂P: the gradient rows scattered onto their symbols' rows of the table.
      f.table.update(repeating: 0, count: f.vocab * G)
      Embedding.backward(outputGradient: inputSide, ids: f.ids, count: N, width: G, weightGradient: f.table)
      let embedding = layout.slots[layout.embedding]
      matmul(
        transposeA: true, m: G, n: inputSize, k: f.vocab, a: f.table, lda: G, b: parameters.pointer(to: embedding),
        ldb: inputSize, beta: 1, c: gradients.pointer(to: layout.slots[weightIH]), ldc: inputSize)
      matmul(
        m: f.vocab, n: inputSize, k: G, a: f.table, lda: G, b: wIH, ldb: inputSize, beta: 1,
        c: gradients.pointer(to: embedding), ldc: inputSize)
    }
    matmul(
      transposeA: true, m: G, n: H, k: N, a: hiddenSide, lda: G, b: previousHidden, ldb: H,
      beta: 1, c: gradients.pointer(to: layout.slots[weightHH]), ldc: H)
    VectorOps.addColumnSums(of: inputSide, rows: N, columns: G, to: gradients.pointer(to: layout.slots[biasIH]))
    VectorOps.addColumnSums(of: hiddenSide, rows: N, columns: G, to: gradients.pointer(to: layout.slots[biasHH]))
  }
}

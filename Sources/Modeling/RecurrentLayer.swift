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

  /// - input: (T, B, In)   - state: updated to the chunk's end. See the cell's layer type.
  func forward(
    parameters: FloatBuffer, layout: ParameterLayout, input: UnsafePointer<Float>,
    steps T: Int, state: RecurrentState, workspace ws: Workspace
  ) {
    switch self {
    case .lstm(let l): l.forward(parameters: parameters, layout: layout, input: input, steps: T, state: state, workspace: ws)
    case .gru(let l): l.forward(parameters: parameters, layout: layout, input: input, steps: T, state: state, workspace: ws)
    case .rnn(let l): l.forward(parameters: parameters, layout: layout, input: input, steps: T, state: state, workspace: ws)
    }
  }

  /// - input: (T, B, In) as given to forward.   - inputGradient: (T, B, In) out, or nil.
  func backward(
    parameters: FloatBuffer, layout: ParameterLayout, gradients: FloatBuffer,
    input: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
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

import Kernels

/// One Elman RNN layer (`torch.nn.RNN(nonlinearity='tanh')`) over a chunk of T steps and B
/// streams, forward next to backward, on the same plan as ``LSTMLayer`` (one input GEMM over
/// T·B rows, the recurrent product step by step, one GEMM per weight gradient per chunk):
///
///     h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)
struct RNNLayer: RecurrentLayer {
  /// Index of the layer in the stack.
  let index: Int
  /// Width of the layer's input (E for layer 0, H above).
  let inputSize: Int
  /// H.
  let hidden: Int
  /// The layer's four tensors in the model's layout.
  let slots: ParameterLayout.LayerSlots

  static let gateCount = 1

  /// Pre-activations and their gradient (the backward needs only h_0 … h_T besides).
  static func chunkBufferSizes(steps T: Int, batch B: Int, hidden H: Int) -> ChunkBufferSizes {
    ChunkBufferSizes(gates: T * B * H, gateGradients: T * B * H)
  }

  // MARK: - Forward

  /// - input: (T, B, In) rows, or the folded embedding (layer 0).
  /// - state: layer's h, (B, H), read then updated to h_T (c untouched).
  /// - Saves h_0…h_T in the workspace (the backward needs only those); the output is h_1…h_T.
  func forward(
    parameters: FloatBuffer, layout: ParameterLayout, input: LayerInput,
    steps T: Int, state: RecurrentState, workspace ws: Workspace
  ) {
    let (B, H) = (ws.batch, hidden)
    let wHH = ws.recurrentWeights[index]
    wHH.pack(parameters.pointer(to: layout.slots[slots.weightHH]))
    let pre = ws.gates[index].pointer
    let hs = ws.hiddenStates[index].pointer
    let bias = ws.combinedBias.pointer

    hs.update(from: state.h(layer: index), count: B * H)
    slots.combineBiases(parameters: parameters, layout: layout, count: H, into: bias)

    // x·W_ihᵀ for all T·B rows at once.
    slots.projectInput(
      input, parameters: parameters, layout: layout, rows: T * B, inputSize: inputSize, width: H, output: pre)
    Parallelism.forEachSlice(of: B) { streams in
      let (b0, rows) = (streams.lowerBound, streams.count)
      for t in 0..<T {
        let p = pre + (t * B + b0) * H
        wHH.multiply(m: rows, a: hs + (t * B + b0) * H, lda: H, beta: 1, c: p, ldc: H)
        RNNPointwise.forward(preActivation: p, bias: bias, h: hs + ((t + 1) * B + b0) * H, batch: rows, hidden: H)
      }
    }
    state.h(layer: index).update(from: hs + T * B * H, count: B * H)
  }

  // MARK: - One step

  /// Pre-activations (B, H) and b_ih + b_hh (H).
  func makeStepBuffers(parameters: FloatBuffer, layout: ParameterLayout, batch B: Int) -> StepBuffers {
    let buffers = StepBuffers(batch: B, gates: B * hidden, bias: hidden)
    buffers.combineBiases(of: slots, parameters: parameters, layout: layout)
    return buffers
  }

  /// - input: (B, In).   - state: the layer's h, (B, H), updated.
  func step(
    parameters: FloatBuffer, layout: ParameterLayout, input: StepInput,
    state: RecurrentState, buffers: StepBuffers, recurrentProduct: UnsafePointer<Float>?, alongside: MatvecTerm?
  ) {
    let (B, H) = (buffers.batch, hidden)
    let (h, pre) = (state.h(layer: index), buffers.gates.pointer)
    slots.stepProducts(
      parameters: parameters, layout: layout, batch: B, rows: H, inputSize: inputSize, hidden: H, input: input, h: h,
      gates: pre, recurrent: pre, recurrentProduct: recurrentProduct, alongside: alongside)
    RNNPointwise.forward(preActivation: pre, bias: buffers.bias.pointer, h: h, batch: B, hidden: H)
  }

  // MARK: - Backward

  /// Back-propagates through the chunk saved by ``forward``.
  ///
  /// - workspace.hiddenGradients[index]: (T, B, H) in: ∂loss/∂h_t from the layer above;
  ///   used as scratch (it also collects ∂loss/∂h_t from step t+1).
  /// - inputGradient: (T, B, In) out: ∂loss/∂input, or nil when not needed.
  /// - gradients: accumulated into this layer's four tensors.
  /// - stateGradient: when given, receives ∂loss/∂h_0 for this layer (and 0 for c_0).
  func backward(
    parameters: FloatBuffer, layout: ParameterLayout, gradients: FloatBuffer,
    input: LayerInput, inputGradient: UnsafeMutablePointer<Float>?,
    steps T: Int, workspace ws: Workspace, stateGradient: RecurrentState?
  ) {
    let (B, H) = (ws.batch, hidden)
    let wHH = ws.recurrentWeightsBackward[index]
    wHH.pack(parameters.pointer(to: layout.slots[slots.weightHH]))
    let hs = ws.hiddenStates[index].pointer
    let dH = ws.hiddenGradients[index].pointer
    let dPre = ws.gateGradients.pointer
    stateGradient?.c(layer: index).update(repeating: 0, count: B * H)

    Parallelism.forEachSlice(of: B) { streams in
      let (b0, rows) = (streams.lowerBound, streams.count)
      for t in stride(from: T - 1, through: 0, by: -1) {
        let dp = dPre + (t * B + b0) * H
        RNNPointwise.backward(
          h: hs + ((t + 1) * B + b0) * H, dh: dH + (t * B + b0) * H, dPre: dp, batch: rows, hidden: H)
        if t > 0 {
          wHH.multiply(m: rows, a: dp, lda: H, beta: 1, c: dH + ((t - 1) * B + b0) * H, ldc: H)
        } else if let stateGradient {
          wHH.multiply(m: rows, a: dp, lda: H, c: stateGradient.h(layer: index) + b0 * H, ldc: H)
        }
      }
    }

    slots.accumulateChunkGradients(
      parameters: parameters, layout: layout, gradients: gradients, rows: T * B, gateRows: H,
      inputSize: inputSize, hidden: H, input: input, previousHidden: hs,
      inputSide: dPre, hiddenSide: dPre, inputGradient: inputGradient,
      scratch: ws.gradientScratch)
  }
}

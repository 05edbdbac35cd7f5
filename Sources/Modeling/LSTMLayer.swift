import Kernels

/// One LSTM layer over a chunk of T steps and B streams, forward next to backward.
///
/// The input projection of the whole chunk is one GEMM over T·B rows; only the recurrent
/// product h_{t−1}·W_hhᵀ is done step by step. In the backward pass, the weight gradients are
/// one GEMM each per chunk. Gate order i, f, g, o as in `torch.nn.LSTM`:
///
///     gates_t = x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh
///     c_t = σ(f)⊙c_{t−1} + σ(i)⊙tanh(g)        h_t = σ(o)⊙tanh(c_t)
struct LSTMLayer: RecurrentLayer {
  /// Index of the layer in the stack.
  let index: Int
  /// Width of the layer's input (E for layer 0, H above).
  let inputSize: Int
  /// H.
  let hidden: Int
  /// The layer's four tensors in the model's layout.
  let slots: ParameterLayout.LayerSlots

  static let gateCount = 4

  /// Gates (overwritten by their gradients in the backward) and c_0 … c_T.
  static func chunkBufferSizes(steps T: Int, batch B: Int, hidden H: Int) -> ChunkBufferSizes {
    ChunkBufferSizes(gates: T * B * 4 * H, cellStates: (T + 1) * B * H)
  }

  // MARK: - Forward

  /// - input: (T, B, In) rows, or the folded embedding (layer 0).
  /// - state: layer's h and c, (B, H) each, read then updated to h_T, c_T.
  /// - Saves gates, h_0…h_T and c_0…c_T in the workspace; the output is h_1…h_T.
  func forward(
    parameters: FloatBuffer, layout: ParameterLayout, input: LayerInput,
    steps T: Int, state: RecurrentState, workspace ws: Workspace
  ) {
    let (B, H, G) = (ws.batch, hidden, 4 * hidden)
    let wHH = ws.recurrentWeights[index]
    wHH.pack(parameters.pointer(to: layout.slots[slots.weightHH]))
    let gates = ws.gates[index].pointer
    let hs = ws.hiddenStates[index].pointer
    let cs = ws.cellStates[index].pointer
    let bias = ws.combinedBias.pointer

    hs.update(from: state.h(layer: index), count: B * H)
    cs.update(from: state.c(layer: index), count: B * H)
    slots.combineBiases(parameters: parameters, layout: layout, count: G, into: bias)

    // What each step adds to h_{t−1}·W_hhᵀ: the rows x·W_ihᵀ, projected for all T·B rows at
    // once into the gates, then the bias; or, folded, the row of P + b_ih + b_hh (V, G) of the
    // step's symbol, read by the pointwise kernel (no (T·B, G) gather, and the products write
    // the gates instead of adding to them).
    var biasTable = UnsafePointer(bias)
    var ids: UnsafePointer<Int32>?
    switch input {
    case .rows:
      slots.projectInput(
        input, parameters: parameters, layout: layout, rows: T * B, inputSize: inputSize, width: G, output: gates)
    case .folded(let f):
      slots.foldInput(f, parameters: parameters, layout: layout, inputSize: inputSize, width: G, bias: bias)
      (biasTable, ids) = (UnsafePointer(f.table), f.ids)
    }
    let accumulate: Float = ids == nil ? 1 : 0
    // The recurrence is independent across streams: each thread runs all T steps for its
    // own slice of streams, so steps need no synchronization.
    Parallelism.forEachSlice(of: B) { streams in
      let (b0, rows) = (streams.lowerBound, streams.count)
      for t in 0..<T {
        let g = gates + (t * B + b0) * G
        wHH.multiply(m: rows, a: hs + (t * B + b0) * H, lda: H, beta: accumulate, c: g, ldc: G)
        LSTMPointwise.forward(
          gates: g, bias: biasTable, biasRows: ids.map { $0 + t * B + b0 }, cPrev: cs + (t * B + b0) * H,
          c: cs + ((t + 1) * B + b0) * H, h: hs + ((t + 1) * B + b0) * H, batch: rows, hidden: H)
      }
    }
    state.h(layer: index).update(from: hs + T * B * H, count: B * H)
    state.c(layer: index).update(from: cs + T * B * H, count: B * H)
  }

  // MARK: - One step

  /// Gates (B, 4H) and b_ih + b_hh (4H).
  func makeStepBuffers(parameters: FloatBuffer, layout: ParameterLayout, batch B: Int) -> StepBuffers {
    let buffers = StepBuffers(batch: B, gates: B * 4 * hidden, bias: 4 * hidden)
    buffers.combineBiases(of: slots, parameters: parameters, layout: layout)
    return buffers
  }

  /// - input: (B, In).   - state: the layer's h and c, (B, H) each, updated in place (each lane
  ///   of c_{t−1} is read before the same lane is written).
  func step(
    parameters: FloatBuffer, layout: ParameterLayout, input: StepInput,
    state: RecurrentState, buffers: StepBuffers, recurrentProduct: UnsafePointer<Float>?, alongside: MatvecTerm?
  ) {
    let (B, H, G) = (buffers.batch, hidden, 4 * hidden)
    let (h, c, gates) = (state.h(layer: index), state.c(layer: index), buffers.gates.pointer)
    slots.stepProducts(
      parameters: parameters, layout: layout, batch: B, rows: G, inputSize: inputSize, hidden: H, input: input, h: h,
      gates: gates, recurrent: gates, recurrentProduct: recurrentProduct, alongside: alongside)
    LSTMPointwise.forward(gates: gates, bias: buffers.bias.pointer, cPrev: c, c: c, h: h, batch: B, hidden: H)
  }

  // MARK: - Backward

  /// Back-propagates through the chunk saved by ``forward``.
  ///
  /// - workspace.hiddenGradients[index]: (T, B, H) in: ∂loss/∂h_t from the layer above;
  ///   used as scratch (it also collects ∂loss/∂h_t from step t+1).
  /// - inputGradient: (T, B, In) out: ∂loss/∂input, or nil when not needed.
  /// - gradients: accumulated into this layer's four tensors.
  /// - stateGradient: when given, receives ∂loss/∂h_0 and ∂loss/∂c_0 for this layer.
  func backward(
    parameters: FloatBuffer, layout: ParameterLayout, gradients: FloatBuffer,
    input: LayerInput, inputGradient: UnsafeMutablePointer<Float>?,
    steps T: Int, workspace ws: Workspace, stateGradient: RecurrentState?
  ) {
    let (B, H, G) = (ws.batch, hidden, 4 * hidden)
    let wHH = ws.recurrentWeightsBackward[index]
    wHH.pack(parameters.pointer(to: layout.slots[slots.weightHH]))
    let gates = ws.gates[index].pointer
    let hs = ws.hiddenStates[index].pointer
    let cs = ws.cellStates[index].pointer
    let dH = ws.hiddenGradients[index].pointer
    // ∂loss/∂gates overwrite the saved gates, step by step (each step's gates are read only by
    // the pointwise backward that writes their gradients): one (T, B, 4H) buffer fewer.
    let dGates = gates
    let dc = ws.cellGradient.pointer
    dc.update(repeating: 0, count: B * H)

    Parallelism.forEachSlice(of: B) { streams in
      let (b0, rows) = (streams.lowerBound, streams.count)
      for t in stride(from: T - 1, through: 0, by: -1) {
        let dg = dGates + (t * B + b0) * G
        LSTMPointwise.backward(
          gates: gates + (t * B + b0) * G, cPrev: cs + (t * B + b0) * H, c: cs + ((t + 1) * B + b0) * H,
          dh: dH + (t * B + b0) * H, dc: dc + b0 * H, dGates: dg, batch: rows, hidden: H)
        if t > 0 {
          wHH.multiply(m: rows, a: dg, lda: G, beta: 1, c: dH + ((t - 1) * B + b0) * H, ldc: H)
        } else if let stateGradient {
          wHH.multiply(m: rows, a: dg, lda: G, c: stateGradient.h(layer: index) + b0 * H, ldc: H)
          (stateGradient.c(layer: index) + b0 * H).update(from: dc + b0 * H, count: rows * H)
        }
      }
    }

    slots.accumulateChunkGradients(
      parameters: parameters, layout: layout, gradients: gradients, rows: T * B, gateRows: G,
      inputSize: inputSize, hidden: H, input: input, previousHidden: hs,
      inputSide: dGates, hiddenSide: dGates, inputGradient: inputGradient,
      scratch: ws.gradientScratch)
  }
}

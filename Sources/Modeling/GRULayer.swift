import Kernels

/// One GRU layer over a chunk of T steps and B streams, forward next to backward.
///
/// Same plan as ``LSTMLayer``: the input projection of the whole chunk is one GEMM over T·B
/// rows, the recurrent product h_{t−1}·W_hhᵀ is done step by step, and the weight gradients are
/// one GEMM each per chunk. The two products stay apart because the reset gate multiplies only
/// the recurrent part of the candidate. Gate order r, z, n as in `torch.nn.GRU`:
///
///     r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)     z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)
///     n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn))
///     h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
struct GRULayer: RecurrentLayer {
  /// Index of the layer in the stack.
  let index: Int
  /// Width of the layer's input (E for layer 0, H above).
  let inputSize: Int
  /// H.
  let hidden: Int
  /// The layer's four tensors in the model's layout.
  let slots: ParameterLayout.LayerSlots

  static let gateCount = 3

  /// Gates r, z, n and the recurrent product apart, with the gradients of both.
  static func chunkBufferSizes(steps T: Int, batch B: Int, hidden H: Int) -> ChunkBufferSizes {
    let n = T * B * 3 * H
    return ChunkBufferSizes(gates: n, hiddenGates: n, gateGradients: n, hiddenGateGradients: n)
  }

  // MARK: - Forward

  /// - input: (T, B, In) rows, or the folded embedding (layer 0).
  /// - state: layer's h, (B, H), read then updated to h_T (c untouched).
  /// - Saves r, z, n (gates), W_hn·h + b_hn (hiddenGates) and h_0…h_T in the workspace; the
  ///   output is h_1…h_T.
  func forward(
    parameters: FloatBuffer, layout: ParameterLayout, input: LayerInput,
    steps T: Int, state: RecurrentState, workspace ws: Workspace
  ) {
    let (B, H, G) = (ws.batch, hidden, 3 * hidden)
    let wHH = ws.recurrentWeights[index]
    wHH.pack(parameters.pointer(to: layout.slots[slots.weightHH]))
    let bIH = UnsafePointer(parameters.pointer(to: layout.slots[slots.biasIH]))
    let bHH = UnsafePointer(parameters.pointer(to: layout.slots[slots.biasHH]))
    let gates = ws.gates[index].pointer
    let hGates = ws.hiddenGates[index].pointer
    let hs = ws.hiddenStates[index].pointer

    hs.update(from: state.h(layer: index), count: B * H)
    // x·W_ihᵀ for all T·B rows at once.
    slots.projectInput(
      input, parameters: parameters, layout: layout, rows: T * B, inputSize: inputSize, width: G, output: gates)
    // Each thread runs all T steps for its own slice of streams.
    Parallelism.forEachSlice(of: B) { streams in
      let (b0, rows) = (streams.lowerBound, streams.count)
      for t in 0..<T {
        let hg = hGates + (t * B + b0) * G
        wHH.multiply(m: rows, a: hs + (t * B + b0) * H, lda: H, c: hg, ldc: G)
        GRUPointwise.forward(
          inputGates: gates + (t * B + b0) * G, hiddenGates: hg, biasIH: bIH, biasHH: bHH,
          hPrev: hs + (t * B + b0) * H, h: hs + ((t + 1) * B + b0) * H, batch: rows, hidden: H)
      }
    }
    state.h(layer: index).update(from: hs + T * B * H, count: B * H)
  }

  // MARK: - One step

  /// Input gates and the recurrent product, (B, 3H) each; the biases stay apart.
  func makeStepBuffers(parameters: FloatBuffer, layout: ParameterLayout, batch B: Int) -> StepBuffers {
    StepBuffers(batch: B, gates: B * 3 * hidden, hiddenGates: B * 3 * hidden)
  }

  /// - input: (B, In).   - state: the layer's h, (B, H), updated in place (each lane of h_{t−1}
  ///   is read before it is written). The recurrent product stays apart: r multiplies only its
  ///   n block.
  func step(
    parameters: FloatBuffer, layout: ParameterLayout, input: StepInput,
    state: RecurrentState, buffers: StepBuffers, recurrentProduct: UnsafePointer<Float>?, alongside: MatvecTerm?
  ) {
    let (B, H, G) = (buffers.batch, hidden, 3 * hidden)
    let h = state.h(layer: index)
    slots.stepProducts(
      parameters: parameters, layout: layout, batch: B, rows: G, inputSize: inputSize, hidden: H, input: input, h: h,
      gates: buffers.gates.pointer, recurrent: buffers.hiddenGates.pointer, recurrentProduct: recurrentProduct,
      alongside: alongside)
    GRUPointwise.forward(
      inputGates: buffers.gates.pointer, hiddenGates: buffers.hiddenGates.pointer,
      biasIH: parameters.pointer(to: layout.slots[slots.biasIH]),
      biasHH: parameters.pointer(to: layout.slots[slots.biasHH]),
      hPrev: h, h: h, batch: B, hidden: H)
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
    let (B, H, G) = (ws.batch, hidden, 3 * hidden)
    let wHH = ws.recurrentWeightsBackward[index]
    wHH.pack(parameters.pointer(to: layout.slots[slots.weightHH]))
    let gates = ws.gates[index].pointer
    let hGates = ws.hiddenGates[index].pointer
    let hs = ws.hiddenStates[index].pointer
    let dH = ws.hiddenGradients[index].pointer
    let dGates = ws.gateGradients.pointer
    let dHGates = ws.hiddenGateGradients.pointer
    // ∂loss/∂h_0: into the state gradient when asked for, else into scratch.
    let dh0 = stateGradient?.h(layer: index) ?? ws.cellGradient.pointer
    dh0.update(repeating: 0, count: B * H)
    stateGradient?.c(layer: index).update(repeating: 0, count: B * H)

    Parallelism.forEachSlice(of: B) { streams in
      let (b0, rows) = (streams.lowerBound, streams.count)
      for t in stride(from: T - 1, through: 0, by: -1) {
        let dhg = dHGates + (t * B + b0) * G
        let dhPrev = t > 0 ? dH + ((t - 1) * B + b0) * H : dh0 + b0 * H
        GRUPointwise.backward(
          inputGates: gates + (t * B + b0) * G, hiddenGates: hGates + (t * B + b0) * G,
          hPrev: hs + (t * B + b0) * H, dh: dH + (t * B + b0) * H,
          dInputGates: dGates + (t * B + b0) * G, dHiddenGates: dhg, dhPrev: dhPrev, batch: rows, hidden: H)
        if t > 0 || stateGradient != nil {
          wHH.multiply(m: rows, a: dhg, lda: G, beta: 1, c: dhPrev, ldc: H)
        }
      }
    }

    slots.accumulateChunkGradients(
      parameters: parameters, layout: layout, gradients: gradients, rows: T * B, gateRows: G,
      inputSize: inputSize, hidden: H, input: input, previousHidden: hs,
      inputSide: dGates, hiddenSide: dHGates, inputGradient: inputGradient,
      scratch: ws.gradientScratch)
  }
}

import Kernels

/// One layer of the recurrent stack, whichever its cell: its chunk forward and backward (T
/// steps of B streams, for training and scoring) and its one-step forward (generation), each
/// with the buffers it declares. ``LSTMLayer``, ``GRULayer`` and ``RNNLayer`` conform; the model
/// holds them as `any RecurrentLayer`, chosen once by ``CellKind/layerType`` (the only switch on
/// the cell kind). A call is one witness-table dispatch per layer and chunk or step: nothing is
/// allocated in the loops.
protocol RecurrentLayer {
  /// G: rows of W_ih / W_hh per hidden unit (the number of gate blocks).
  static var gateCount: Int { get }
  /// How large the cell's buffers in a ``Workspace`` for T steps of B streams are (H hidden).
  static func chunkBufferSizes(steps T: Int, batch B: Int, hidden H: Int) -> ChunkBufferSizes

  /// Layer k of a stack: `inputSize` is E for layer 0 and H above it.
  init(index: Int, inputSize: Int, hidden: Int, slots: ParameterLayout.LayerSlots)
  /// Index of the layer in the stack.
  var index: Int { get }

  /// - input: (T, B, In) rows or the folded embedding   - state: updated to the chunk's end.
  ///   Saves what ``backward`` needs in the workspace.
  func forward(
    parameters: FloatBuffer, layout: ParameterLayout, input: LayerInput,
    steps T: Int, state: RecurrentState, workspace ws: Workspace)

  /// - input: as given to forward.   - inputGradient: (T, B, In) out, or nil (always nil for a
  ///   folded input, whose gradient goes straight to the embedding's).
  func backward(
    parameters: FloatBuffer, layout: ParameterLayout, gradients: FloatBuffer,
    input: LayerInput, inputGradient: UnsafeMutablePointer<Float>?,
    steps T: Int, workspace ws: Workspace, stateGradient: RecurrentState?)

  /// The buffers ``step(parameters:layout:input:state:buffers:recurrentProduct:alongside:)`` needs for B streams, with what
  /// it precomputes from the parameters (read at this call: remake them after an update).
  func makeStepBuffers(parameters: FloatBuffer, layout: ParameterLayout, batch B: Int) -> StepBuffers

  /// One time step of B streams, the chunk forward's arithmetic for T = 1 (B = 1 runs its
  /// products as matrix–vector ones).
  ///
  /// - input: (B, In) rows, or their projection.   - state: the layer's h (and c), (B, H), read
  ///   and updated in place.
  /// - recurrentProduct: h·W_hhᵀ (B, G·H) already computed (``RecurrentProductAhead``), or nil.
  /// - alongside: a product for the caller, run in the same hand-off to the threads as this
  ///   step's products (B = 1 only), or nil.
  func step(
    parameters: FloatBuffer, layout: ParameterLayout, input: StepInput,
    state: RecurrentState, buffers: StepBuffers, recurrentProduct: UnsafePointer<Float>?, alongside: MatvecTerm?)
}

/// What a layer's ``RecurrentLayer/step(parameters:layout:input:state:buffers:recurrentProduct:alongside:)`` reads.
enum StepInput {
  /// (B, In) rows: the embedded symbols, or the outputs of the layer below.
  case rows(UnsafePointer<Float>)
  /// Layer 0's symbols and the folded table P = Emb·W_ihᵀ, (V, G·H) (``StepWorkspace``): the
  /// projection x·W_ihᵀ of stream b is row ids[b] of the table.
  case folded(table: UnsafePointer<Float>, ids: UnsafeBufferPointer<Int>)
}

extension CellKind {
  /// The layer type that computes this cell: the one place that maps a cell kind to its code.
  var layerType: any RecurrentLayer.Type {
    switch self {
    case .lstm: LSTMLayer.self
    case .gru: GRULayer.self
    case .rnn: RNNLayer.self
    }
  }
}

/// Element counts of a cell's buffers in a ``Workspace`` (0: the cell does not use it). Names
/// as in ``Workspace``.
struct ChunkBufferSizes {
  /// Per layer: saved gates, (T, B, G·H).
  var gates: Int
  /// Per layer: the recurrent product kept apart (GRU), (T, B, G·H).
  var hiddenGates = 0
  /// Per layer: c_0 … c_T (LSTM), ((T+1), B, H).
  var cellStates = 0
  /// The layer being differentiated: ∂loss/∂(gate pre-activations), (T, B, G·H).
  var gateGradients = 0
  /// The layer being differentiated: ∂loss/∂(recurrent product) (GRU), (T, B, G·H).
  var hiddenGateGradients = 0
}

/// One layer's buffers for one time step of B streams, made once by
/// ``RecurrentLayer/makeStepBuffers(parameters:layout:batch:)`` and reused for every step.
public final class StepBuffers {
  /// B: streams.
  let batch: Int
  /// (B, G·H) gate pre-activations.
  let gates: FloatBuffer
  /// (B, G·H) the recurrent product kept apart (GRU), else empty.
  let hiddenGates: FloatBuffer
  /// (G·H) b_ih + b_hh, for cells that add the two biases together, else empty.
  let bias: FloatBuffer

  init(batch: Int, gates: Int, hiddenGates: Int = 0, bias: Int = 0) {
    self.batch = batch
    self.gates = FloatBuffer(count: gates)
    self.hiddenGates = FloatBuffer(count: hiddenGates)
    self.bias = FloatBuffer(count: bias)
  }

  /// The bias buffer filled with b_ih + b_hh of `slots`, (G·H).
  func combineBiases(of slots: ParameterLayout.LayerSlots, parameters: FloatBuffer, layout: ParameterLayout) {
    slots.combineBiases(parameters: parameters, layout: layout, count: bias.count, into: bias.pointer)
  }
}

extension ParameterLayout.LayerSlots {
  /// `bias` (G·H) = b_ih + b_hh, for the cells that add the two biases before their gates.
  func combineBiases(
    parameters: FloatBuffer, layout: ParameterLayout, count: Int, into bias: UnsafeMutablePointer<Float>
  ) {
    bias.update(from: parameters.pointer(to: layout.slots[biasIH]), count: count)
    VectorOps.add(parameters.pointer(to: layout.slots[biasHH]), to: bias, count: count)
  }

  /// One step's products without biases: gates (B, rows) = x (B, In)·W_ihᵀ (or the folded rows),
  /// and h (B, H)·W_hhᵀ (rows = G·H) added to the gates (`recurrent` == `gates`: the LSTM and
  /// the RNN) or into `recurrent` (the GRU, which keeps it apart). One stream runs every
  /// product, and `alongside`, in one hand-off to the threads (``matvecs(_:_:_:)``).
  ///
  /// - recurrentProduct: h·W_hhᵀ computed already, used instead of the product (same bits: the
  ///   product with `beta` 1 adds its sum to the gates, as this adds it).
  func stepProducts(
    parameters: FloatBuffer, layout: ParameterLayout, batch B: Int, rows: Int, inputSize: Int, hidden H: Int,
    input: StepInput, h: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
    recurrent: UnsafeMutablePointer<Float>, recurrentProduct: UnsafePointer<Float>?, alongside: MatvecTerm?
  ) {
    let adds = recurrent == gates
    let wHH = parameters.pointer(to: layout.slots[weightHH])
    if B == 1, case .rows(let x) = input {  // one stream: x·W_ihᵀ joins the split of the others
      let inputTerm = MatvecTerm(
        m: rows, n: inputSize, a: parameters.pointer(to: layout.slots[weightIH]), lda: inputSize, x: x, y: gates)
      let recurrentTerm =
        recurrentProduct == nil
        ? MatvecTerm(m: rows, n: H, a: wHH, lda: H, x: h, beta: adds ? 1 : 0, y: recurrent) : nil
      matvecs(inputTerm, recurrentTerm, alongside)
    } else {
      stepInputProjection(
        input, parameters: parameters, layout: layout, batch: B, rows: rows, inputSize: inputSize, output: gates)
      if recurrentProduct == nil {
        stepProduct(
          batch: B, rows: rows, columns: H, weight: wHH, x: h, accumulate: adds, y: recurrent, alongside: alongside)
      } else {
        precondition(alongside == nil, "a product alongside needs a split of the step's own")
      }
    }
    if let recurrentProduct {
      if adds {
        VectorOps.add(recurrentProduct, to: gates, count: B * rows)
      } else {
        recurrent.update(from: recurrentProduct, count: B * rows)
      }
    }
  }

  /// One step's x·W_ihᵀ, (B, rows) into `output`: a product, or the streams' rows of the folded
  /// table.
  func stepInputProjection(
    _ input: StepInput, parameters: FloatBuffer, layout: ParameterLayout, batch B: Int, rows: Int, inputSize: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    switch input {
    case .rows(let x):
      stepProduct(
        batch: B, rows: rows, columns: inputSize, weight: parameters.pointer(to: layout.slots[weightIH]), x: x,
        y: output)
    case .folded(let table, let ids):
      for (b, id) in ids.enumerated() { (output + b * rows).update(from: table + id * rows, count: rows) }
    }
  }
}

/// y (B, rows) (+)= x (B, columns) · weightᵀ, weight (rows, columns): one matrix–vector product
/// for B = 1 (with `alongside` in the same hand-off to the threads), one matrix product for all
/// streams above.
func stepProduct(
  batch: Int, rows: Int, columns: Int, weight: UnsafePointer<Float>, x: UnsafePointer<Float>,
  accumulate: Bool = false, y: UnsafeMutablePointer<Float>, alongside: MatvecTerm? = nil
) {
  if batch == 1 {
    matvecs(
      MatvecTerm(m: rows, n: columns, a: weight, lda: columns, x: x, beta: accumulate ? 1 : 0, y: y), alongside)
  } else {
    precondition(alongside == nil, "a product alongside is for one stream")
    matmul(
      transposeB: true, m: batch, n: rows, k: columns, a: x, lda: columns, b: weight, ldb: columns,
      beta: accumulate ? 1 : 0, c: y, ldc: rows)
  }
}

import Kernels
import TestSupport
import Testing

@testable import Modeling

/// The fast model (BLAS, fused SIMD gates) against its Double reference, and the reference
/// against finite differences, for every parameter tensor and with a non-zero carried state,
/// for each cell (LSTM, GRU, RNN).
@Suite struct LanguageModelTests {
  static let shapes = [
    ModelConfig(vocabSize: 7, embeddingSize: 5, hiddenSize: 6, layers: 2),
    ModelConfig(vocabSize: 11, embeddingSize: 8, hiddenSize: 16, layers: 1),
    ModelConfig(vocabSize: 5, embeddingSize: 3, hiddenSize: 9, layers: 3),
  ]
  /// Every shape with every cell.
  static let configs = CellKind.allCases.flatMap { cell in shapes.map { $0.with(cell: cell) } }
  /// The first shape with every cell.
  static let firstShape = CellKind.allCases.map { shapes[0].with(cell: $0) }

  @Test(
    "fast model matches the reference: logits, loss, final state and every gradient",
    arguments: configs)
  func fastMatchesReference(config: ModelConfig) {
    let setup = TinySetup(config: config, steps: 5, batch: 3, skipSome: true)
    let ws = setup.workspace()
    let state = setup.initialState()
    let grads = setup.model.makeParameterShapedBuffer()
    let stateGrad = RecurrentState(config: config, batch: setup.batch)
    let loss = setup.model.forwardBackward(
      steps: setup.steps, state: state, workspace: ws, gradients: grads, stateGradient: stateGrad)
    let ref = setup.reference()
    // Tolerance: Float32 arithmetic and the fast exp (≤ 2e-7 relative) against Double.
    expectClose([Double(loss)], [ref.loss], tolerance: 1e-5, "loss")
    expectClose(state.h.array, ref.h, tolerance: 1e-5, floor: 1e-2, "final h")
    expectClose(state.c.array, ref.c, tolerance: 1e-5, floor: 1e-2, "final c")
    for slot in setup.model.layout.slots {
      let p = grads.pointer(to: slot)
      expectClose((0..<slot.count).map { p[$0] }, ref.gradients[slot.name]!, tolerance: 1e-4, slot.name)
    }
    expectClose(stateGrad.h.array, ref.hGradient, tolerance: 1e-4, "∂h0")
    expectClose(stateGrad.c.array, ref.cGradient, tolerance: 1e-4, "∂c0")
  }

  @Test("fast logits match the reference", arguments: firstShape) func logits(config: ModelConfig) {
    let setup = TinySetup(config: config, steps: 4, batch: 2)
    let ws = setup.workspace()
    setup.model.forward(steps: setup.steps, state: setup.initialState(), workspace: ws)
    expectClose(ws.logits.array, setup.reference().logits, tolerance: 1e-5, "logits")
  }

  @Test(
    "reference gradients equal central finite differences for every tensor and the initial state",
    arguments: CellKind.allCases.flatMap { cell in
      [shapes[0], ModelConfig(vocabSize: 5, embeddingSize: 3, hiddenSize: 4, layers: 3)].map { $0.with(cell: cell) }
    })
  func referenceMatchesFiniteDifferences(config: ModelConfig) {
    let setup = TinySetup(config: config, steps: 4, batch: 2, skipSome: true)
    var ref = ReferenceModel(setup.model)
    let h0 = setup.h0.map(Double.init)
    let c0 = setup.c0.map(Double.init)
    let analytic = ref.run(inputs: setup.inputs, targets: setup.targets, steps: 4, batch: 2, h0: h0, c0: c0)
    let eps = 1e-6
    func loss(_ r: ReferenceModel, _ h: [Double], _ c: [Double]) -> Double {
      r.run(inputs: setup.inputs, targets: setup.targets, steps: 4, batch: 2, h0: h, c0: c).loss
    }
    for slot in setup.model.layout.slots {
      var numeric: [Double] = []
      let original = ref.parameters[slot.name]!
      for i in original.indices {
        ref.parameters[slot.name]![i] = original[i] + eps
        let plus = loss(ref, h0, c0)
        ref.parameters[slot.name]![i] = original[i] - eps
        let minus = loss(ref, h0, c0)
        ref.parameters[slot.name]![i] = original[i]
        numeric.append((plus - minus) / (2 * eps))
      }
      // Central differences in Double: rounding ~1e-16/eps ≈ 1e-10 absolute dominates, hence
      // the floor: a scaled error of 1e-5 means |Δ| < 1e-9 on small entries.
      expectClose(analytic.gradients[slot.name]!, numeric, tolerance: 1e-5, floor: 1e-4, slot.name)
    }
    var numericH: [Double] = []
    var numericC: [Double] = []
    for i in h0.indices {
      var hp = h0
      var hm = h0
      var cp = c0
      var cm = c0
      hp[i] += eps
      hm[i] -= eps
      cp[i] += eps
      cm[i] -= eps
      numericH.append((loss(ref, hp, c0) - loss(ref, hm, c0)) / (2 * eps))
      numericC.append((loss(ref, h0, cp) - loss(ref, h0, cm)) / (2 * eps))
    }
    expectClose(analytic.hGradient, numericH, tolerance: 1e-5, floor: 1e-4, "∂h0")
    expectClose(analytic.cGradient, numericC, tolerance: 1e-5, floor: 1e-4, "∂c0")
  }

  @Test(
    "fast model gradients equal Float finite differences (whole model, carried state)",
    arguments: CellKind.allCases)
  func fastMatchesFiniteDifferences(cell: CellKind) {
    let config = ModelConfig(cell: cell, vocabSize: 6, embeddingSize: 4, hiddenSize: 5, layers: 2)
    let setup = TinySetup(config: config, steps: 3, batch: 2)
    let ws = setup.workspace()
    let grads = setup.model.makeParameterShapedBuffer()
    setup.model.forwardBackward(steps: 3, state: setup.initialState(), workspace: ws, gradients: grads)
    let params = setup.model.parameters
    func loss() -> Double {
      let (nats, scored) = setup.model.loss(steps: 3, state: setup.initialState(), workspace: ws)
      return nats / Double(scored)
    }
    let eps: Float = 1e-2
    for slot in setup.model.layout.slots {
      var numeric: [Double] = []
      for i in 0..<slot.count {
        let at = slot.offset + i
        let original = params[at]
        params[at] = original + eps
        let plus = loss()
        params[at] = original - eps
        let minus = loss()
        params[at] = original
        numeric.append((plus - minus) / Double(2 * eps))
      }
      let p = grads.pointer(to: slot)
      // Float32 central differences with eps = 1e-2: truncation ~1e-4 · f''' and rounding
      // ~1e-7/eps, so a loose tolerance; the tight check is the Double reference above.
      expectClose((0..<slot.count).map { p[$0] }, numeric, tolerance: 2e-2, floor: 1e-2, slot.name)
    }
  }

  @Test("state carries: two chunks of T equal one chunk of 2T", arguments: firstShape)
  func carriedState(config: ModelConfig) {
    let long = TinySetup(config: config, steps: 6, batch: 2)
    let wsLong = long.workspace()
    let stateLong = long.initialState()
    long.model.forward(steps: 6, state: stateLong, workspace: wsLong)

    let ws = Workspace(config: config, steps: 3, batch: 2)
    let state = long.initialState()
    var logits: [Float] = []
    for half in 0..<2 {
      for i in 0..<6 { ws.inputs[i] = Int32(long.inputs[half * 6 + i]) }
      long.model.forward(steps: 3, state: state, workspace: ws)
      logits += ws.logits.array
    }
    expectClose(logits, wsLong.logits.array.map(Double.init), tolerance: 1e-6, "logits")
    expectClose(state.h.array, stateLong.h.array.map(Double.init), tolerance: 1e-6, "h")
  }
}

extension ModelConfig: CustomTestStringConvertible {
  public var testDescription: String { "\(cell.rawValue) V\(vocabSize) E\(embeddingSize) H\(hiddenSize) L\(layers)" }

  /// This shape with another cell.
  func with(cell: CellKind) -> ModelConfig {
    ModelConfig(cell: cell, vocabSize: vocabSize, embeddingSize: embeddingSize, hiddenSize: hiddenSize, layers: layers)
  }
}

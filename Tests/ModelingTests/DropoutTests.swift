import Kernels
import TestSupport
import Testing

@testable import Modeling

/// Dropout between stacked layers: masks from a seed, the fast model with a given mask against
/// the reference with the same mask, finite differences with a fixed mask, and no dropout at
/// evaluation. (The Trainer's use of it is tested in TrainingTests.)
@Suite struct DropoutTests {
  static let configs = CellKind.allCases.map {
    ModelConfig(cell: $0, vocabSize: 7, embeddingSize: 5, hiddenSize: 6, layers: 3)
  }

  /// Masks for layers 1…L−1 drawn with p = 0.4 from `seed`, as the reference wants them.
  static func masks(_ ws: Workspace, config: ModelConfig, steps T: Int, batch B: Int, seed: UInt64) -> [[Double]] {
    var rng = SeededGenerator(seed: seed)
    ws.drawDropoutMasks(probability: 0.4, generator: &rng)
    return (0..<config.layers).map { k in
      k == 0 ? [] : (0..<(T * B * config.hiddenSize)).map { Double(ws.dropoutMask(layer: k)[$0]) }
    }
  }

  @Test("masks: reproducible from the seed, 0 or 1/(1−p), about p of them dropped")
  func maskFromSeed() {
    let config = Self.configs[0]
    let (a, b) = (Workspace(config: config, steps: 50, batch: 4), Workspace(config: config, steps: 50, batch: 4))
    let ma = Self.masks(a, config: config, steps: 50, batch: 4, seed: 3)
    let mb = Self.masks(b, config: config, steps: 50, batch: 4, seed: 3)
    #expect(ma == mb)
    let other = Self.masks(b, config: config, steps: 50, batch: 4, seed: 4)
    #expect(other != ma)
    let all = ma[1] + ma[2]
    let keep = Double(Float(1) / Float(0.6))
    #expect(all.allSatisfy { $0 == 0 || $0 == keep })
    // 2400 draws with p = 0.4: standard deviation 0.01; 5σ.
    let dropped = Double(all.filter { $0 == 0 }.count) / Double(all.count)
    #expect(abs(dropped - 0.4) < 0.05, "dropped fraction \(dropped)")
  }

  @Test("fast model with a given mask matches the reference with the same mask", arguments: configs)
  func fastMatchesReference(config: ModelConfig) {
    let setup = TinySetup(config: config, steps: 5, batch: 3, skipSome: true)
    let ws = setup.workspace()
    let masks = Self.masks(ws, config: config, steps: 5, batch: 3, seed: 11)
    let state = setup.initialState()
    let grads = setup.model.makeParameterShapedBuffer()
    let stateGrad = RecurrentState(config: config, batch: 3)
    let loss = setup.model.forwardBackward(
      steps: 5, state: state, workspace: ws, gradients: grads, stateGradient: stateGrad, dropout: true)
    let ref = ReferenceModel(setup.model).run(
      inputs: setup.inputs, targets: setup.targets, steps: 5, batch: 3,
      h0: setup.h0.map(Double.init), c0: setup.c0.map(Double.init), dropoutMasks: masks)
    // The same tolerances as without dropout (LanguageModelTests).
    expectClose([Double(loss)], [ref.loss], tolerance: 1e-5, "loss")
    expectClose(state.h.array, ref.h, tolerance: 1e-5, floor: 1e-2, "final h")
    for slot in setup.model.layout.slots {
      let p = grads.pointer(to: slot)
      expectClose((0..<slot.count).map { p[$0] }, ref.gradients[slot.name]!, tolerance: 1e-4, slot.name)
    }
    expectClose(stateGrad.h.array, ref.hGradient, tolerance: 1e-4, "∂h0")
    // The mask matters: without it the reference loss differs.
    let plain = ReferenceModel(setup.model).run(
      inputs: setup.inputs, targets: setup.targets, steps: 5, batch: 3,
      h0: setup.h0.map(Double.init), c0: setup.c0.map(Double.init))
    #expect(abs(plain.loss - ref.loss) > 1e-4)
  }

  @Test("reference gradients with a fixed mask equal central finite differences", arguments: configs)
  func referenceMatchesFiniteDifferences(config: ModelConfig) {
    let setup = TinySetup(config: config, steps: 3, batch: 2, skipSome: true)
    let masks = Self.masks(setup.workspace(), config: config, steps: 3, batch: 2, seed: 5)
    var ref = ReferenceModel(setup.model)
    let h0 = setup.h0.map(Double.init)
    let c0 = setup.c0.map(Double.init)
    func run(_ r: ReferenceModel) -> ReferenceModel.Result {
      r.run(inputs: setup.inputs, targets: setup.targets, steps: 3, batch: 2, h0: h0, c0: c0, dropoutMasks: masks)
    }
    let analytic = run(ref)
    let eps = 1e-6
    for slot in setup.model.layout.slots {
      var numeric: [Double] = []
      let original = ref.parameters[slot.name]!
      for i in original.indices {
        ref.parameters[slot.name]![i] = original[i] + eps
        let plus = run(ref).loss
        ref.parameters[slot.name]![i] = original[i] - eps
        let minus = run(ref).loss
        ref.parameters[slot.name]![i] = original[i]
        numeric.append((plus - minus) / (2 * eps))
      }
      expectClose(analytic.gradients[slot.name]!, numeric, tolerance: 1e-5, floor: 1e-4, slot.name)
    }
  }

  @Test("evaluation never drops: loss and forward ignore drawn masks", arguments: configs)
  func evaluationIgnoresMasks(config: ModelConfig) {
    let setup = TinySetup(config: config, steps: 4, batch: 2)
    let clean = setup.workspace()
    let plain = setup.model.loss(steps: 4, state: setup.initialState(), workspace: clean)
    let ws = setup.workspace()
    _ = Self.masks(ws, config: config, steps: 4, batch: 2, seed: 9)
    let withMasks = setup.model.loss(steps: 4, state: setup.initialState(), workspace: ws)
    #expect(withMasks.nats == plain.nats)
    // forwardBackward without `dropout: true` does not drop either.
    let grads = setup.model.makeParameterShapedBuffer()
    let loss = setup.model.forwardBackward(steps: 4, state: setup.initialState(), workspace: ws, gradients: grads)
    #expect(Double(loss) == Double(Float(plain.nats / Double(plain.scored))))
  }
}

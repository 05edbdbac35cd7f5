import Kernels
import Modeling
import TestSupport
import Testing

@testable import Sampling

/// The one-symbol GEMV path against the model's chunked forward: step by step with a carried
/// state, and as one chunk of T = n.
@Suite struct GeneratorTests {
  /// Three shapes for each cell.
  static let configs = CellKind.allCases.flatMap { cell in
    [(11, 5, 13, 2), (7, 9, 8, 1), (30, 4, 6, 3)].map { V, E, H, L in
      ModelConfig(cell: cell, vocabSize: V, embeddingSize: E, hiddenSize: H, layers: L)
    }
  }

  @Test("feeding ids one at a time equals forward on T=1 chunks and on one T=n chunk (each cell)", arguments: configs)
  func matchesForward(config: ModelConfig) {
    var rng = SeededGenerator(seed: UInt64(config.vocabSize))
    let model = LanguageModel(config: config, generator: &rng)
    let n = 12
    let ids = (0..<n).map { _ in Int(rng.next() % UInt64(config.vocabSize)) }

    let generator = Generator(model: model)
    let stepState = RecurrentState(config: config, batch: 1)
    let stepWorkspace = Workspace(config: config, steps: 1, batch: 1)
    for (t, id) in ids.enumerated() {
      generator.feed(id)
      stepWorkspace.inputs[0] = Int32(id)
      model.forward(steps: 1, state: stepState, workspace: stepWorkspace)
      // GEMV vs GEMM over the same Float data: only the order of the sums differs (a few ulps),
      // growing slowly through the recurrence. 1e-5 with floor 1 (absolute below 1).
      // Measured worst over all configs and steps: 2.4e-7.
      expectClose(
        generator.logits.array, stepWorkspace.logits.array.map(Double.init), tolerance: 1e-5, floor: 1,
        "logits at step \(t)")
      expectClose(
        generator.state.h.array, stepState.h.array.map(Double.init), tolerance: 1e-5, floor: 1, "h at step \(t)")
      expectClose(
        generator.state.c.array, stepState.c.array.map(Double.init), tolerance: 1e-5, floor: 1, "c at step \(t)")
    }

    let chunkState = RecurrentState(config: config, batch: 1)
    let chunk = Workspace(config: config, steps: n, batch: 1)
    for (t, id) in ids.enumerated() { chunk.inputs[t] = Int32(id) }
    model.forward(steps: n, state: chunkState, workspace: chunk)
    let V = config.vocabSize
    let lastLogits = Array(chunk.logits.array[((n - 1) * V)...])
    expectClose(
      generator.logits.array, lastLogits.map(Double.init), tolerance: 1e-5, floor: 1, "last logits vs one chunk")
    expectClose(
      generator.state.h.array, chunkState.h.array.map(Double.init), tolerance: 1e-5, floor: 1, "final h vs one chunk")
    expectClose(
      generator.state.c.array, chunkState.c.array.map(Double.init), tolerance: 1e-5, floor: 1, "final c vs one chunk")
  }

  @Test("reset returns to the zero state: the same ids give the same logits again", arguments: CellKind.allCases)
  func reset(cell: CellKind) {
    var rng = SeededGenerator(seed: 5)
    let model = LanguageModel(config: Self.configs.first { $0.cell == cell }!, generator: &rng)
    let generator = Generator(model: model)
    for id in [1, 4, 2] { generator.feed(id) }
    let first = generator.logits.array
    generator.reset()
    #expect(generator.state.h.array.allSatisfy { $0 == 0 } && generator.state.c.array.allSatisfy { $0 == 0 })
    for id in [1, 4, 2] { generator.feed(id) }
    #expect(generator.logits.array == first)
  }
}

import Kernels

@testable import Modeling

/// A small model and chunk with a non-zero carried state, shared by the modeling tests.
struct TinySetup {
  let model: LanguageModel
  let steps: Int, batch: Int
  let inputs: [Int], targets: [Int]
  let h0: [Float], c0: [Float]

  init(config: ModelConfig, steps: Int, batch: Int, seed: UInt64 = 7, skipSome: Bool = false) {
    var rng = SeededGenerator(seed: seed)
    model = LanguageModel(config: config, generator: &rng)
    self.steps = steps
    self.batch = batch
    let V = UInt64(config.vocabSize)
    inputs = (0..<(steps * batch)).map { _ in Int(rng.next() % V) }
    targets = (0..<(steps * batch)).map { i in skipSome && i % 5 == 3 ? -1 : Int(rng.next() % V) }
    let n = config.layers * batch * config.hiddenSize
    h0 = (0..<n).map { _ in rng.nextStandardNormal() * 0.5 }
    c0 = (0..<n).map { _ in rng.nextStandardNormal() * 0.5 }
  }

  /// A fresh state holding h0, c0.
  func initialState() -> RecurrentState {
    let s = RecurrentState(config: model.config, batch: batch)
    for i in h0.indices {
      s.h[i] = h0[i]
      s.c[i] = c0[i]
    }
    return s
  }

  /// A workspace with this chunk's inputs and targets loaded.
  func workspace() -> Workspace {
    let ws = Workspace(config: model.config, steps: steps, batch: batch)
    for i in inputs.indices {
      ws.inputs[i] = Int32(inputs[i])
      ws.targets[i] = Int32(targets[i])
    }
    return ws
  }

  func reference() -> ReferenceModel.Result {
    ReferenceModel(model).run(
      inputs: inputs, targets: targets, steps: steps, batch: batch,
      h0: h0.map(Double.init), c0: c0.map(Double.init))
  }
}

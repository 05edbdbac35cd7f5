import Kernels
import TestSupport
import Testing

@testable import Kernels
@testable import Modeling

/// One stream computes layer 0's h·W_hhᵀ of the next step in the split of layer 1's products, or
/// of the head's (``RecurrentProductAhead``): the steps must give the bits of steps that compute
/// it in line, also when the caller resets or swaps the state between steps.
@Suite struct RecurrentProductAheadTests {
  @Test(
    "steps with layer 0's product computed ahead give the in-line steps' bits",
    arguments: CellKind.allCases, [(vocab: 7, layers: 1), (vocab: 7, layers: 2), (vocab: 7, layers: 3), (vocab: 60, layers: 2)])
  func aheadMatchesInLine(cell: CellKind, shape: (vocab: Int, layers: Int)) {
    // V = 7 ≤ 4E folds the embedding into layer 0, V = 60 does not. H = 40: more than one
    // 16-row block of the kernel.
    let config = ModelConfig(vocabSize: shape.vocab, embeddingSize: 5, hiddenSize: 40, layers: shape.layers)
      .with(cell: cell)
    var rng = SeededGenerator(seed: 47)
    let model = LanguageModel(config: config, generator: &rng)
    let ids = (0..<12).map { _ in Int(rng.next() % UInt64(shape.vocab)) }
    // The caller resets the state before step 5 and swaps in another state before step 8.
    func run(freshWorkspaceEachStep: Bool) -> [Float] {
      var ws = model.makeStepWorkspace(batch: 1)
      #expect(ws.ahead != nil)
      var state = RecurrentState(config: config, batch: 1)
      let other = RecurrentState(config: config, batch: 1)
      var outputs: [Float] = []
      for (t, id) in ids.enumerated() {
        if freshWorkspaceEachStep { ws = model.makeStepWorkspace(batch: 1) }
        if t == 5 { state.reset() }
        if t == 8 { state = other }
        model.step(ids: [id], state: state, workspace: ws)
        outputs += ws.logits.array + state.h.array + state.c.array
      }
      return outputs
    }
    for threads in [1, 2] {
      Parallelism.withThreads(threads) {
        let (inLine, ahead) = (run(freshWorkspaceEachStep: true), run(freshWorkspaceEachStep: false))
        let differing = inLine.indices.filter { inLine[$0].bitPattern != ahead[$0].bitPattern }.count
        #expect(differing == 0, "\(threads) thread(s): values differ")
      }
    }
  }

  @Test("only one stream computes ahead")
  func onlyOneStream() {
    var rng = SeededGenerator(seed: 3)
    let model = LanguageModel(
      config: ModelConfig(vocabSize: 7, embeddingSize: 5, hiddenSize: 8, layers: 1), generator: &rng)
    #expect(model.makeStepWorkspace(batch: 1).ahead != nil)
    #expect(model.makeStepWorkspace(batch: 3).ahead == nil)
  }
}

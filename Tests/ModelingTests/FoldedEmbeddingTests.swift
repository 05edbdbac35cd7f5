import Kernels
import TestSupport
import Testing

@testable import Kernels
@testable import Modeling

/// Layer 0 reading the embedding folded into W_ih (a table gather, and a scatter-add in the
/// backward) against the dense path (embedded rows times W_ih), for every cell.
@Suite struct FoldedEmbeddingTests {
  @Test("folded and dense layer 0 give the same loss, state and gradients", arguments: CellKind.allCases)
  func foldedMatchesDense(cell: CellKind) {
    // V = 7 against N = 6·3 = 18 rows: folding pays (2V ≤ N).
    let config = ModelConfig(vocabSize: 7, embeddingSize: 5, hiddenSize: 9, layers: 2).with(cell: cell)
    #expect(FoldedEmbedding.pays(vocab: 7, rows: 18))
    #expect(TinySetup(config: config, steps: 6, batch: 3).model.foldsEmbedding(rows: 18))
    let setup = TinySetup(config: config, steps: 6, batch: 3, skipSome: true)
    func run(folded: Bool) -> (loss: Float, state: [Float], gradients: [Float], stateGradient: [Float]) {
      setup.model.allowsEmbeddingFold = folded
      defer { setup.model.allowsEmbeddingFold = true }
      let ws = setup.workspace()
      #expect(ws.foldedTable.count == 7 * cell.gateCount * 9)
      let state = setup.initialState()
      let stateGradient = RecurrentState(config: config, batch: 3)
      let grads = setup.model.makeParameterShapedBuffer()
      let loss = setup.model.forwardBackward(
        steps: 6, state: state, workspace: ws, gradients: grads, stateGradient: stateGradient)
      return (loss, state.h.array + state.c.array, grads.array, stateGradient.h.array + stateGradient.c.array)
    }
    let dense = run(folded: false)
    let folded = run(folded: true)
    // The same sums in another order (gathered table rows instead of per-row products; the
    // gradient summed per symbol before the products): Float rounding only.
    expectClose([Double(folded.loss)], [Double(dense.loss)], tolerance: 1e-6, "loss")
    expectClose(folded.state, dense.state.map(Double.init), tolerance: 1e-5, floor: 1e-2, "final state")
    expectClose(folded.gradients, dense.gradients.map(Double.init), tolerance: 1e-5, floor: 1e-3, "gradients")
    expectClose(
      folded.stateGradient, dense.stateGradient.map(Double.init), tolerance: 1e-5, floor: 1e-3, "state gradients")
  }

  @Test("one-symbol steps: the folded table gives the unfolded steps' bits at B = 1", arguments: CellKind.allCases)
  func foldedStepsMatchDense(cell: CellKind) {
    // V = 7 ≤ 4E: the step workspace folds. H = 40: more than one 16-row block of the kernel.
    let config = ModelConfig(vocabSize: 7, embeddingSize: 5, hiddenSize: 40, layers: 2).with(cell: cell)
    var rng = SeededGenerator(seed: 31)
    let model = LanguageModel(config: config, generator: &rng)
    let ids = (0..<9).map { _ in Int(rng.next() % 7) }
    func run(folded: Bool, batch: Int) -> (logits: [Float], state: [Float]) {
      model.allowsEmbeddingFold = folded
      defer { model.allowsEmbeddingFold = true }
      let ws = model.makeStepWorkspace(batch: batch)
      #expect(ws.foldedTable.count == (folded ? 7 * cell.gateCount * 40 : 0))
      let state = RecurrentState(config: config, batch: batch)
      var logits: [Float] = []
      for t in ids.indices {
        model.step(ids: (0..<batch).map { ids[(t + $0) % ids.count] }, state: state, workspace: ws)
        logits += ws.logits.array
      }
      return (logits, state.h.array + state.c.array)
    }
    for threads in [1, 2] {
      Parallelism.withThreads(threads) {
        // B = 1: W_ih·Emb[v] by the step's own matrix–vector kernel, then the same recurrent sum.
        let (dense, folded) = (run(folded: false, batch: 1), run(folded: true, batch: 1))
        #expect(folded.logits == dense.logits && folded.state == dense.state, "\(threads) thread(s)")
        // B = 3: gathered rows against a matrix product over the streams: Float rounding only.
        let (dense3, folded3) = (run(folded: false, batch: 3), run(folded: true, batch: 3))
        expectClose(folded3.logits, dense3.logits.map(Double.init), tolerance: 1e-5, floor: 1, "logits, B = 3")
        expectClose(folded3.state, dense3.state.map(Double.init), tolerance: 1e-5, floor: 1, "state, B = 3")
      }
    }
  }

  @Test("folding is skipped where it does not pay: large V, or a short last chunk")
  func skippedWhenItDoesNotPay() {
    #expect(!FoldedEmbedding.pays(vocab: 6443, rows: 64 * 32))  // Tang poems, T = 64, B = 32
    #expect(FoldedEmbedding.pays(vocab: 65, rows: 64 * 32))  // tinyshakespeare
    let config = ModelConfig(vocabSize: 40, embeddingSize: 4, hiddenSize: 8, layers: 1)
    #expect(Workspace(config: config, steps: 4, batch: 5).foldedTable.count == 0)  // 2·40 > 20
    // One-symbol steps fold while the table is at most 4 × W_ih: V ≤ 4E.
    #expect(FoldedEmbedding.paysForSteps(vocab: 65, embedding: 64))
    #expect(!FoldedEmbedding.paysForSteps(vocab: 6443, embedding: 64))
    #expect(
      LanguageModel(config: config, parameters: FloatBuffer(count: ParameterLayout(config: config).totalCount))
        .makeStepWorkspace(batch: 1).foldedTable.count == 0)  // 40 > 4·4
  }
}

import Kernels
import Testing

@testable import Modeling

/// The size estimates that let `train` refuse a run beyond the machine's memory agree exactly
/// with what the workspace and the parameter layout allocate.
@Suite struct WorkspaceSizeTests {
  @Test(arguments: [
    (CellKind.lstm, 1, 5, 2), (.lstm, 3, 70, 1), (.gru, 2, 5, 3), (.rnn, 2, 200, 2), (.gru, 1, 300, 4),
  ])
  func estimateMatchesAllocation(cell: CellKind, layers: Int, vocab: Int, batch: Int) {
    let config = ModelConfig(cell: cell, vocabSize: vocab, embeddingSize: 3, hiddenSize: 4, layers: layers)
    let workspace = Workspace(config: config, steps: 6, batch: batch)
    #expect(Workspace.floatCount(config: config, steps: 6, batch: batch) == Double(workspace.allocatedFloatCount))
  }
}

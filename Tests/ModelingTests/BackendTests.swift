import Kernels
import TestSupport
import Testing

@testable import Kernels
@testable import Modeling

/// The whole model on oneDNN against the same model on BLAS, the reference backend: loss,
/// final state and every gradient of a chunk, for each cell, on 1 and 2 threads.
@Suite struct BackendTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var cell: CellKind
    var threads: Int
    var testDescription: String { "\(cell) \(threads) thread(s)" }
  }

  static let cases = CellKind.allCases.flatMap { cell in [1, 2].map { Case(cell: cell, threads: $0) } }

  @Test("oneDNN's loss, state and gradients equal BLAS's", arguments: cases)
  func oneDNNMatchesBLAS(c: Case) throws {
    try #require(ComputeBackend.oneDNNAvailable, "oneDNN not on this machine: nothing to compare")
    // Two layers (the second reads rows, the first the folded embedding: V = 30 ≤ T·B / 2),
    // H = 40 (not a multiple of the kernels' blocks), B = 7 streams (slices of 3 and 4).
    let config = ModelConfig(cell: c.cell, vocabSize: 30, embeddingSize: 12, hiddenSize: 40, layers: 2)
    let setup = TinySetup(config: config, steps: 12, batch: 7, skipSome: true)
    func run(_ backend: ComputeBackend) -> (Float, [Float], [Float]) {
      ComputeBackend.with(backend) {
        Parallelism.withThreads(c.threads) {
          let state = setup.initialState()
          let grads = setup.model.makeParameterShapedBuffer()
          let loss = setup.model.forwardBackward(
            steps: setup.steps, state: state, workspace: setup.workspace(), gradients: grads)
          return (loss, state.h.array, grads.array)
        }
      }
    }
    let (lossB, hB, gB) = run(.blas)
    let (lossD, hD, gD) = run(.onednn)
    // Both sum each product's K terms in Float in their own order: differences of float
    // rounding (~1e-7 relative per product), grown over 12 recurrent steps.
    expectClose([Double(lossD)], [Double(lossB)], tolerance: 1e-6, "loss")
    expectClose(hD, hB.map(Double.init), tolerance: 3e-5, floor: 1e-2, "final h")
    expectClose(gD, gB.map(Double.init), tolerance: 3e-5, floor: 1e-3, "gradients")
  }
}

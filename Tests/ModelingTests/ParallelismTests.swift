import Kernels
import TestSupport
import Testing

@testable import Kernels
@testable import Modeling

/// The multi-threaded paths (recurrence split over streams, the head's rows split over threads,
/// column sums split over columns) against the single-threaded ones.
@Suite struct ParallelismTests {
  @Test("2 slices give the same loss, state and gradients as 1 (odd B, large V)")
  func slicesMatchSingleThread() {
    // Sizes pass the recurrence's and the head's split thresholds: B = 5 streams (slices of
    // 2 and 3) and T·B = 40 rows of V = 4,000 (two parts of 20). Column sums are split-tested below.
    let config = ModelConfig(vocabSize: 4000, embeddingSize: 8, hiddenSize: 24, layers: 2)
    let setup = TinySetup(config: config, steps: 8, batch: 5, skipSome: true)
    func run(threads: Int) -> (Float, [Float], [Float]) {
      Parallelism.withThreads(threads) {
        let state = setup.initialState()
        let grads = setup.model.makeParameterShapedBuffer()
        let loss = setup.model.forwardBackward(steps: 8, state: state, workspace: setup.workspace(), gradients: grads)
        return (loss, state.h.array, grads.array)
      }
    }
    let (loss1, h1, g1) = run(threads: 1)
    let (loss2, h2, g2) = run(threads: 2)
    // Slices compute the same operations per stream; only the order of the loss's Double
    // partial sums and BLAS blocking may differ: agreement to float rounding, grown over 8
    // recurrent steps. (OpenBLAS's Zen kernels round a 2- or 3-row product differently from a
    // 5-row one: final h differed by 8.5e-6 relative on an AMD EPYC, 0 on a Xeon.)
    expectClose([Double(loss2)], [Double(loss1)], tolerance: 1e-6, "loss")
    expectClose(h2, h1.map(Double.init), tolerance: 3e-5, floor: 1e-2, "final h")
    expectClose(g2, g1.map(Double.init), tolerance: 1e-5, floor: 1e-3, "gradients")
  }

  @Test("column sums split over threads equal the serial sums exactly")
  func columnSums() {
    let (rows, columns) = (512, 4096)  // 2M elements: enough to split over two threads
    let matrix = FloatBuffer((0..<(rows * columns)).map { Float($0 % 97) * 0.01 })
    let serial = FloatBuffer(count: columns)
    let parallel = FloatBuffer(count: columns)
    VectorOps.addColumnSums(of: matrix.pointer, rows: rows, columns: columns, to: serial.pointer)
    Parallelism.withThreads(2) {
      VectorOps.addColumnSums(of: matrix.pointer, rows: rows, columns: columns, to: parallel.pointer)
    }
    #expect(parallel.array == serial.array)
  }
}

import Kernels
import TestSupport
import Testing

@testable import Kernels
@testable import Modeling

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The head's pass (``OutputHead``: rows split over the threads, each part through the packed
/// W_head, the per-row softmax and ∂h on its thread) against plain Double loops: the loss, the
/// rows' nats and probabilities of ``OutputHead/loss``, and every gradient of
/// ``OutputHead/lossAndGradient``, on each backend and on 1 to 3 threads.
@Suite struct OutputHeadTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var backend: ComputeBackend
    var threads: Int
    var testDescription: String { "\(backend) \(threads) thread(s)" }
  }

  static let cases = ComputeBackend.usable.flatMap { backend in [1, 2, 3].map { Case(backend: backend, threads: $0) } }

  /// Tang's vocabulary; 100 rows, parts of 50 on 2 threads and of 33 and 34 on 3. H = 24 (not a
  /// multiple of 16).
  static let (N, H, V) = (100, 24, 6443)

  /// What the head computes, in Double: per row the logits, the softmax, −log p[target]; the
  /// gradients of the mean loss over the scored rows.
  struct Reference {
    var probabilities: [Double], rowNats: [Double], nats: Double, scored: Int
    var weightGradient: [Double], biasGradient: [Double], topGradient: [Double]

    init(weight: [Float], bias: [Float], top: [Float], targets: [Int32]) {
      let (N, H, V) = (OutputHeadTests.N, OutputHeadTests.H, OutputHeadTests.V)
      probabilities = [Double](repeating: 0, count: N * V)
      rowNats = [Double](repeating: 0, count: N)
      for r in 0..<N {
        let logits = (0..<V).map { v in
          (0..<H).reduce(Double(bias[v])) { $0 + Double(top[r * H + $1]) * Double(weight[v * H + $1]) }
        }
        let m = logits.max()!
        let sum = logits.reduce(0) { $0 + Foundation_exp($1 - m) }
        for v in 0..<V { probabilities[r * V + v] = Foundation_exp(logits[v] - m) / sum }
        if targets[r] >= 0 { rowNats[r] = log(sum) - (logits[Int(targets[r])] - m) }
      }
      nats = rowNats.reduce(0, +)
      scored = targets.filter { $0 >= 0 }.count
      var gradient = probabilities
      for r in 0..<N {
        for v in 0..<V {
          let t = Int(targets[r])
          gradient[r * V + v] = t < 0 ? 0 : (probabilities[r * V + v] - (v == t ? 1 : 0)) / Double(scored)
        }
      }
      weightGradient = (0..<(V * H)).map { i in
        (0..<N).reduce(0.0) { $0 + gradient[$1 * V + i / H] * Double(top[$1 * H + i % H]) }
      }
      biasGradient = (0..<V).map { v in (0..<N).reduce(0.0) { $0 + gradient[$1 * V + v] } }
      topGradient = (0..<(N * H)).map { i in
        (0..<V).reduce(0.0) { $0 + gradient[i / H * V + $1] * Double(weight[$1 * H + i % H]) }
      }
    }
  }

  /// The model (its head's weights spread so that the logits cover ±10 or so), the inputs and
  /// their reference, made once for all the cases.
  static let setup = {
    let (N, H, V) = (Self.N, Self.H, Self.V)
    var rng = SeededGenerator(seed: 21)
    let model = LanguageModel(
      config: ModelConfig(vocabSize: V, embeddingSize: 4, hiddenSize: H, layers: 1), generator: &rng)
    let layout = model.layout
    let weight = model.parameters.pointer(to: layout.slots[layout.headWeight])
    for i in 0..<(V * H) { weight[i] = rng.nextStandardNormal() * 0.5 }
    let bias = Array(UnsafeBufferPointer(start: model.parameters.pointer(to: layout.slots[layout.headBias]), count: V))
    let top = (0..<(N * H)).map { _ in rng.nextStandardNormal() }
    let targets: [Int32] = (0..<N).map { r in r % 9 == 4 ? -1 : Int32(rng.next() % UInt64(V)) }
    let reference = Reference(
      weight: Array(UnsafeBufferPointer(start: weight, count: V * H)), bias: bias, top: top, targets: targets)
    return UncheckedSendable((model: model, top: top, targets: targets, reference: reference))
  }()

  @Test("loss and lossAndGradient equal the Double loops", arguments: cases)
  func matchesReference(c: Case) {
    let (N, H, V) = (Self.N, Self.H, Self.V)
    let (model, top, targets, reference) = Self.setup.value
    let (config, layout) = (model.config, model.layout)

    ComputeBackend.with(c.backend) {
      Parallelism.withThreads(c.threads) {
        let ws = Workspace(config: config, steps: N, batch: 1)
        var rowNats = [Double](repeating: .nan, count: N)
        let (nats, scored) = OutputHead.loss(
          parameters: model.parameters, layout: layout, weights: ws.headWeights, top: top, targets: targets,
          rows: N, hidden: H, vocab: V, logits: ws.logits.pointer, rowNats: &rowNats)
        #expect(scored == reference.scored)
        // Float products of 24 terms and FastMath's exp against Double: ~1e-6 relative.
        expectClose([nats], [reference.nats], tolerance: 2e-6, floor: 1, "loss")
        expectClose(rowNats, reference.rowNats, tolerance: 2e-6, floor: 1, "rows' nats")
        expectClose(ws.logits.array, reference.probabilities, tolerance: 2e-5, floor: 1e-4, "probabilities")

        let gradients = model.makeParameterShapedBuffer()
        let topGradient = FloatBuffer(count: N * H)
        let (gradientNats, gradientScored) = OutputHead.lossAndGradient(
          parameters: model.parameters, layout: layout, gradients: gradients, weights: ws.headWeights,
          weightsBackward: ws.headWeightsBackward, top: top, targets: targets, rows: N, hidden: H, vocab: V,
          logits: ws.logits.pointer, topGradient: topGradient.pointer,
          scratch: UnsafeMutableBufferPointer(start: ws.headScratch.pointer, count: ws.headScratch.count))
        #expect(gradientScored == scored)
        expectClose([gradientNats], [nats], tolerance: 1e-12, floor: 1, "the two passes' loss")
        // Sums of up to 100 (∂W, ∂b) or 6,443 (∂h) Float terms of mixed sign: relative to the
        // largest entries (floor), 1e-4.
        expectClose(
          Array(UnsafeBufferPointer(start: gradients.pointer(to: layout.slots[layout.headWeight]), count: V * H)),
          reference.weightGradient, tolerance: 1e-4, floor: 1e-3, "head.weight")
        expectClose(
          Array(UnsafeBufferPointer(start: gradients.pointer(to: layout.slots[layout.headBias]), count: V)),
          reference.biasGradient, tolerance: 1e-4, floor: 1e-3, "head.bias")
        expectClose(topGradient.array, reference.topGradient, tolerance: 1e-4, floor: 1e-3, "∂top")
      }
    }
  }

  @Test("this test's shape is split: 2 and 3 parts on 2 and 3 threads")
  func partsOfTheShape() {
    for threads in [2, 3] {
      Parallelism.withThreads(threads) {
        #expect(OutputHead.parts(rows: Self.N, hidden: Self.H, vocab: Self.V) == threads)
      }
    }
  }
}

import Kernels

/// The output layer and loss: logits = h·W_headᵀ + b_head, then softmax cross-entropy.
///
/// Training and scoring split the rows into one part per thread and walk each part in blocks
/// (``blockRows(vocab:)``): per block, the product (W_head packed once per chunk, the bias added
/// by the product), then each row's softmax, loss and (training) gradient in one pass over the
/// row, then (training) the block's ∂loss/∂h, while the block is still in cache. Only ∂W_head, a
/// sum over all rows, reads the whole (N, V) matrix again. Before, two split products and two
/// softmax passes each crossed the whole matrix with a thread hand-off of their own (Tang poems:
/// 2048 × 6443 floats, 52 MB, more than any cache): Tang's step 67–70 → 63–67 ms on a Zen 5.
enum OutputHead {
  /// Logits only: ``LanguageModel/forward(steps:state:workspace:)``, the public chunk forward
  /// (training and scoring run ``loss`` or ``lossAndGradient``; sampling its own step).
  ///
  /// - top: (N, H) top-layer outputs   - logits: (N, V) out
  static func forward(
    parameters: FloatBuffer, layout: ParameterLayout, top: UnsafePointer<Float>, rows N: Int,
    hidden H: Int, vocab V: Int, logits: UnsafeMutablePointer<Float>
  ) {
    let weight = parameters.pointer(to: layout.slots[layout.headWeight])
    let bias = parameters.pointer(to: layout.slots[layout.headBias])
    matmul(transposeB: true, m: N, n: V, k: H, a: top, lda: H, b: weight, ldb: H, bias: bias, c: logits, ldc: V)
  }

  /// The summed cross-entropy of the rows against `targets` (negative: not scored), leaving the
  /// softmax probabilities in `logits`.
  ///
  /// - top: (N, H)   - targets: (N)   - logits: (N, V) out   - rowNats: (N) out, when given
  /// - weights: W_head's packed copy for c = a·W_headᵀ, packed here unless `repack` is false
  ///   (the caller knows W_head has not changed since its previous pack)
  static func loss(
    parameters: FloatBuffer, layout: ParameterLayout, weights: PackedWeights, repack: Bool = true,
    top: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows N: Int, hidden H: Int, vocab V: Int,
    logits: UnsafeMutablePointer<Float>, rowNats: UnsafeMutablePointer<Double>?
  ) -> (nats: Double, scored: Int) {
    if repack || !weights.isPacked { weights.pack(parameters.pointer(to: layout.slots[layout.headWeight])) }
    let bias = parameters.pointer(to: layout.slots[layout.headBias])
    return sumOverBlocks(rows: N, hidden: H, vocab: V) { block, _ in
      weights.multiply(
        m: block.count, a: top + block.lowerBound * H, lda: H, bias: bias, c: logits + block.lowerBound * V, ldc: V)
      return SoftmaxCrossEntropy.forwardRows(
        logits: logits, targets: targets, rows: block, vocab: V, rowNats: rowNats)
    }
  }

  /// Forward, loss and backward: the summed cross-entropy, and the gradient of the mean
  /// cross-entropy over the scored rows accumulated into the head's tensors and written to
  /// ∂loss/∂top. Nothing is computed when no row is scored.
  ///
  /// - top: (N, H)   - targets: (N)   - logits: (N, V) out: ∂(mean loss)/∂logits
  /// - topGradient: (N, H) out: ∂(mean loss)/∂top
  /// - weights, weightsBackward: W_head packed for a·W_headᵀ and for a·W_head (packed here)
  /// - scratch: ``scratchCount(hidden:vocab:threads:)`` floats, not overlapping topGradient: the
  ///   threads' bias-gradient sums, then ∂W_head's split over the rows
  static func lossAndGradient(
    parameters: FloatBuffer, layout: ParameterLayout, gradients: FloatBuffer,
    weights: PackedWeights, weightsBackward: PackedWeights, top: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
    rows N: Int, hidden H: Int, vocab V: Int, logits: UnsafeMutablePointer<Float>,
    topGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutableBufferPointer<Float>
  ) -> (nats: Double, scored: Int) {
    let scored = (0..<N).reduce(0) { $0 + (targets[$1] >= 0 ? 1 : 0) }
    guard scored > 0 else { return (0, 0) }
    let weight = parameters.pointer(to: layout.slots[layout.headWeight])
    let bias = parameters.pointer(to: layout.slots[layout.headBias])
    weights.pack(weight)
    weightsBackward.pack(weight)
    let scale = 1 / Float(scored)
    let parts = parts(rows: N, hidden: H, vocab: V)
    precondition(scratch.count >= scratchCount(hidden: H, vocab: V, threads: parts), "head scratch too small")
    let biasSums = scratch.baseAddress!
    biasSums.update(repeating: 0, count: parts * V)
    let (nats, _) = sumOverBlocks(rows: N, hidden: H, vocab: V) { block, part in
      weights.multiply(
        m: block.count, a: top + block.lowerBound * H, lda: H, bias: bias, c: logits + block.lowerBound * V, ldc: V)
      let loss = SoftmaxCrossEntropy.gradientRows(
        logits: logits, targets: targets, rows: block, vocab: V, scale: scale, columnSums: biasSums + part * V)
      weightsBackward.multiply(
        m: block.count, a: logits + block.lowerBound * V, lda: V, c: topGradient + block.lowerBound * H, ldc: H)
      return loss
    }
    let biasGradient = gradients.pointer(to: layout.slots[layout.headBias])
    for part in 0..<parts { VectorOps.add(biasSums + part * V, to: biasGradient, count: V) }
    addTransposedProduct(
      m: V, n: H, k: N, a: logits, lda: V, b: top, ldb: H,
      c: gradients.pointer(to: layout.slots[layout.headWeight]), ldc: H, scratch: scratch)
    return (nats, scored)
  }

  /// Floats of ``lossAndGradient``'s scratch for `threads`: the threads' bias sums (threads · V),
  /// or ∂W_head's partial sums ((threads − 1) · V · H), whichever is larger (they take turns).
  static func scratchCount(hidden H: Int, vocab V: Int, threads: Int) -> Int {
    max(threads * V, max(threads - 1, 0) * V * H)
  }

  /// Bytes of logits a block holds at most: 1 MiB, a core's L2 on the CPUs met so far. Measured
  /// on a Zen 5 (AVX-512, L2 1 MiB a core), Tang poems (V = 6,443, 2,048 rows, 2 threads), ms a
  /// step, runs alternated: 1 MiB 63–67, 2 MiB 64–66, 8 MiB 65–68, a thread's whole part
  /// (26 MB) 65, 256 KiB 70–72 (its 10-row products run slower), the whole-matrix passes before
  /// 67–70. The gain is the per-row softmax's single pass and one hand-off per part more than the
  /// cache; blocks only keep a large vocabulary's product, softmax and ∂h from going to memory.
  static let blockBytes = 1 << 20

  /// Rows per block for a vocabulary of V (Tang poems: 40; V = 65: 4,032, a whole part).
  static func blockRows(vocab V: Int) -> Int { max(1, blockBytes / (V * MemoryLayout<Float>.stride)) }

  /// Parts the rows are split into, one per thread: each worth a thread hand-off
  /// (``minimumRowSlice(n:k:)`` of the head's product).
  static func parts(rows N: Int, hidden H: Int, vocab V: Int) -> Int {
    max(1, min(Parallelism.threads, N / minimumRowSlice(n: V, k: H)))
  }

  /// Runs `body(block, part)` over blocks of at most ``blockRows(vocab:)`` rows of 0..<N: the
  /// ``parts(rows:hidden:vocab:)`` parts in parallel, the blocks of a part in order on its thread;
  /// returns the sum of the bodies' results, per part in row order and then over the parts in
  /// order (deterministic for a thread count).
  private static func sumOverBlocks(
    rows N: Int, hidden H: Int, vocab V: Int, _ body: (Range<Int>, Int) -> (nats: Double, scored: Int)
  ) -> (nats: Double, scored: Int) {
    let parts = parts(rows: N, hidden: H, vocab: V)
    let blockRows = blockRows(vocab: V)
    var partial = [(nats: Double, scored: Int)](repeating: (0, 0), count: parts)
    partial.withUnsafeMutableBufferPointer { partial in
      Parallelism.forEachPart(parts, of: N) { part, range in
        for start in stride(from: range.lowerBound, to: range.upperBound, by: blockRows) {
          let block = body(start..<min(start + blockRows, range.upperBound), part)
          partial[part].nats += block.nats
          partial[part].scored += block.scored
        }
      }
    }
    return partial.reduce((0, 0)) { ($0.nats + $1.nats, $0.scored + $1.scored) }
  }
}

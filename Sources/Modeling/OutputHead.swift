import Kernels

/// The output layer and loss: logits = h·W_headᵀ + b_head, then softmax cross-entropy.
///
/// Training and scoring split the rows into one part per thread, and each thread runs its part
/// through the head alone: the product (W_head packed once per chunk, the bias added by the
/// product), then each row's softmax, loss and (training) gradient in one pass over the row,
/// then (training) its rows of ∂loss/∂h. Only ∂W_head, a sum over all rows, is split otherwise.
/// Before, two split products and two softmax passes each crossed the whole (N, V) matrix with
/// a hand-off of their own (Tang poems: 2048 × 6443 floats, 52 MB): Tang's step 67–70 → 63–69 ms
/// on a Zen 5. Blocks of rows small enough to stay in cache (1–8 MiB of logits) measured the
/// same as whole parts on oneDNN and 7% slower on OpenBLAS (its products repack W_head for
/// each block), so a part is not cut further.
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
    return sumOverParts(rows: N, hidden: H, vocab: V) { rows, _ in
      weights.multiply(
        m: rows.count, a: top + rows.lowerBound * H, lda: H, bias: bias, c: logits + rows.lowerBound * V, ldc: V)
      return SoftmaxCrossEntropy.forwardRows(logits: logits, targets: targets, rows: rows, vocab: V, rowNats: rowNats)
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
    let (nats, _) = sumOverParts(rows: N, hidden: H, vocab: V) { rows, part in
      weights.multiply(
        m: rows.count, a: top + rows.lowerBound * H, lda: H, bias: bias, c: logits + rows.lowerBound * V, ldc: V)
      let loss = SoftmaxCrossEntropy.gradientRows(
        logits: logits, targets: targets, rows: rows, vocab: V, scale: scale, columnSums: biasSums + part * V)
      weightsBackward.multiply(
        m: rows.count, a: logits + rows.lowerBound * V, lda: V, c: topGradient + rows.lowerBound * H, ldc: H)
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

  /// Parts the rows are split into, one per thread: each worth a thread hand-off
  /// (``minimumRowSlice(n:k:)`` of the head's product).
  static func parts(rows N: Int, hidden H: Int, vocab V: Int) -> Int {
    max(1, min(Parallelism.threads, N / minimumRowSlice(n: V, k: H)))
  }

  /// Runs `body(rows, part)` on each of the ``parts(rows:hidden:vocab:)`` parts of 0..<N, in
  /// parallel, and returns the sum of the results over the parts in order (deterministic for a
  /// thread count).
  private static func sumOverParts(
    rows N: Int, hidden H: Int, vocab V: Int, _ body: (Range<Int>, Int) -> (nats: Double, scored: Int)
  ) -> (nats: Double, scored: Int) {
    let parts = parts(rows: N, hidden: H, vocab: V)
    var partial = [(nats: Double, scored: Int)](repeating: (0, 0), count: parts)
    partial.withUnsafeMutableBufferPointer { partial in
      Parallelism.forEachPart(parts, of: N) { part, rows in partial[part] = body(rows, part) }
    }
    return partial.reduce((0, 0)) { ($0.nats + $1.nats, $0.scored + $1.scored) }
  }
}

import CKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Softmax cross-entropy over rows of logits: the forward turns logits into probabilities and
/// sums the loss, the backward turns probabilities into the logits' gradient, both in place.
///
/// A negative target means "not scored" (e.g. an unknown symbol during perplexity): that row
/// contributes neither loss nor gradient.
public enum SoftmaxCrossEntropy {
  /// Turns each row of `logits` into probabilities in place and returns the summed loss.
  ///
  /// - logits: (N, V) in: logits; out: softmax probabilities.
  /// - targets: (N) target ids, or negative to skip the row's loss.
  /// - rowNats: when given, (N) out: each row's −log p[target] in nats (0 for a skipped row),
  ///   the very terms the sum adds (per-line scores add up to the whole text's).
  /// - Returns: Σ over scored rows of −log p[target] in nats, and the number of scored rows.
  public static func forward(
    logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, rows: Int, vocab: Int,
    rowNats: UnsafeMutablePointer<Double>? = nil
  ) -> (nats: Double, scored: Int) {
    // Rows are independent: split them over threads (each slice sums its own rows, then the
    // slices' sums are added in order, so a given thread count always gives the same result).
    let parts = max(1, min(Parallelism.threads, rows * vocab / 65_536))
    var partial = [(nats: Double, scored: Int)](repeating: (0, 0), count: parts)
    partial.withUnsafeMutableBufferPointer { partial in
      let results = UncheckedSendable(partial)
      let rowOut = UncheckedSendable(rowNats)
      Parallelism.forEachPart(parts, of: rows) { part, range in
        results.value[part] = forwardRows(
          logits: logits, targets: targets, rows: range, vocab: vocab, rowNats: rowOut.value)
      }
    }
    return partial.reduce((0, 0)) { ($0.nats + $1.nats, $0.scored + $1.scored) }
  }

  /// ``forward(logits:targets:rows:vocab:)`` for the rows in `range`.
  static func forwardRows(
    logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, rows range: Range<Int>, vocab: Int,
    rowNats: UnsafeMutablePointer<Double>? = nil
  ) -> (nats: Double, scored: Int) {
    var total = 0.0
    var scored = 0
    for r in range {
      let row = logits + r * vocab
      let t = Int(targets[r])
      let maxValue = Softmax.rowMax(row, count: vocab)
      let targetShifted = t >= 0 ? Double(row[t] - maxValue) : 0
      let sum = Softmax.expShiftedInPlace(row, count: vocab, subtracting: maxValue)
      VectorOps.scale(row, count: vocab, by: Float(1 / sum))
      if t >= 0 {
        // −log p_t = log Σ e^{x−max} − (x_t − max): exact even when p_t underflows.
        let nats = log(sum) - targetShifted
        total += nats
        scored += 1
        rowNats?[r] = nats
      } else {
        rowNats?[r] = 0
      }
    }
    return (total, scored)
  }

  /// Writes ∂loss/∂logits over the probabilities, for loss = (Σ nats) · `scale`.
  ///
  /// - probabilities: (N, V) from ``forward``; out: (p − onehot(target)) · scale, or 0 for
  ///   skipped rows.
  /// - columnSums: when given, (V) += Σ over the rows of ∂loss/∂logits: the head's bias gradient,
  ///   summed while each row is in cache rather than in a pass of its own over the (N, V) matrix
  ///   (Tang: 52 MB, 2.7 ms of a 74 ms step). Each thread sums its rows in order into its part
  ///   of `scratch` ((threads) · V floats), and the parts are added in order: deterministic for a
  ///   thread count. With too little scratch, ``VectorOps/addColumnSums(of:rows:columns:to:)``
  ///   runs after.
  public static func backward(
    probabilities: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
    rows: Int, vocab: Int, scale: Float,
    columnSums: UnsafeMutablePointer<Float>? = nil, scratch: UnsafeMutableBufferPointer<Float>? = nil
  ) {
    let parts = max(1, min(Parallelism.threads, rows / max(1, 65_536 / max(vocab, 1))))
    let partials = scratch.flatMap { $0.count >= parts * vocab ? $0.baseAddress : nil }
    Parallelism.forEachPart(parts, of: rows) { part, range in
      let partial = partials.map { $0 + part * vocab }
      partial?.update(repeating: 0, count: vocab)
      for r in range {
        let row = probabilities + r * vocab
        let t = Int(targets[r])
        if t < 0 {
          row.update(repeating: 0, count: vocab)
          continue
        }
        VectorOps.scale(row, count: vocab, by: scale)
        row[t] -= scale
        if let partial { VectorOps.add(row, to: partial, count: vocab) }
      }
    }
    guard let columnSums else { return }
    guard let partials else {
      VectorOps.addColumnSums(of: probabilities, rows: rows, columns: vocab, to: columnSums)
      return
    }
    for part in 0..<parts { VectorOps.add(partials + part * vocab, to: columnSums, count: vocab) }
  }

  /// Scalar reference: returns the summed loss and writes the gradient for `scale`, in Double.
  public static func forwardBackwardNaive(
    logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows: Int, vocab: Int,
    scale: Float, gradient: UnsafeMutablePointer<Float>
  ) -> Double {
    var total = 0.0
    for r in 0..<rows {
      let row = logits + r * vocab
      let t = Int(targets[r])
      let m = (0..<vocab).map { Double(row[$0]) }.max()!
      let sum = (0..<vocab).reduce(0.0) { $0 + Foundation_exp(Double(row[$1]) - m) }
      for v in 0..<vocab {
        let p = Foundation_exp(Double(row[v]) - m) / sum
        gradient[r * vocab + v] = t < 0 ? 0 : Float((p - (v == t ? 1 : 0)) * Double(scale))
      }
      if t >= 0 { total += log(sum) - (Double(row[t]) - m) }
    }
    return total
  }
}

@usableFromInline func Foundation_exp(_ x: Double) -> Double { exp(x) }

/// Softmax building blocks shared by the loss and the sampler: C kernels at the CPU's width
/// (``KernelISA``).
public enum Softmax {
  /// The largest element of x (count ≥ 1).
  public static func rowMax(_ x: UnsafePointer<Float>, count: Int) -> Float {
    ckernels_row_max(KernelISA.current.code, x, Int64(count))
  }

  /// x[i] = e^{x[i] − shift} in place (FastMath's exp); returns Σ of the new values, each block
  /// of 16 summed in Float and the blocks in Double.
  ///
  /// A −∞ entry (a symbol masked out by the sampler) becomes exactly 0 (the exp is 0 below its
  /// range), so it keeps no weight.
  public static func expShiftedInPlace(
    _ x: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float
  ) -> Double {
    ckernels_exp_shifted(KernelISA.current.code, x, Int64(count), shift)
  }
}

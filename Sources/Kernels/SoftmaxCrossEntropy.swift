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
  /// Turns each row of `logits` in `range` into probabilities in place, on the calling thread,
  /// and returns the rows' summed loss.
  ///
  /// - logits: (N, V) in: logits; out: softmax probabilities, for the rows in `range`.
  /// - targets: (N) target ids, or negative to skip the row's loss.
  /// - rowNats: when given, (N) out: each row's −log p[target] in nats (0 for a skipped row),
  ///   the very terms the sum adds (per-line scores add up to the whole text's).
  /// - Returns: Σ over scored rows of −log p[target] in nats, and the number of scored rows.
  public static func forwardRows(
    logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, rows range: Range<Int>, vocab: Int,
    rowNats: UnsafeMutablePointer<Double>? = nil
  ) -> (nats: Double, scored: Int) {
    var total = 0.0
    var scored = 0
    for r in range {
      let row = logits + r * vocab
      let t = Int(targets[r])
      let (nats, sum) = expShifted(row, count: vocab, target: t)
      VectorOps.scale(row, count: vocab, by: Float(1 / sum))
      if t >= 0 {
        total += nats
        scored += 1
      }
      rowNats?[r] = nats
    }
    return (total, scored)
  }

  /// The forward and the backward in one pass over each row in `range`, on the calling thread:
  /// returns the rows' summed loss as ``forwardRows(logits:targets:rows:vocab:rowNats:)`` does,
  /// and writes ∂loss/∂logits over the logits for loss = (Σ nats) · `scale`.
  ///
  /// - logits: (N, V) in: logits; out: (p − onehot(target)) · scale, or 0 for skipped rows.
  /// - columnSums: when given, (V) += the rows' gradients, in row order: the head's bias
  ///   gradient, summed while each row is in cache rather than in a pass of its own.
  public static func gradientRows(
    logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, rows range: Range<Int>, vocab: Int,
    scale: Float, columnSums: UnsafeMutablePointer<Float>?
  ) -> (nats: Double, scored: Int) {
    var total = 0.0
    var scored = 0
    for r in range {
      let row = logits + r * vocab
      let t = Int(targets[r])
      guard t >= 0 else {
        row.update(repeating: 0, count: vocab)
        continue
      }
      let (nats, sum) = expShifted(row, count: vocab, target: t)
      total += nats
      scored += 1
      VectorOps.scale(row, count: vocab, by: Float(Double(scale) / sum), addingTo: columnSums)
      row[t] -= scale
      columnSums?[t] -= scale
    }
    return (total, scored)
  }

  /// row[i] = e^{row[i] − max} in place; returns the target's −log p (0 when t < 0) and Σ e^{…}.
  private static func expShifted(
    _ row: UnsafeMutablePointer<Float>, count: Int, target t: Int
  ) -> (nats: Double, sum: Double) {
    let maxValue = Softmax.rowMax(row, count: count)
    let targetShifted = t >= 0 ? Double(row[t] - maxValue) : 0
    let sum = Softmax.expShiftedInPlace(row, count: count, subtracting: maxValue)
    // −log p_t = log Σ e^{x−max} − (x_t − max): exact even when p_t underflows.
    return (t >= 0 ? log(sum) - targetShifted : 0, sum)
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

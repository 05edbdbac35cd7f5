import Kernels

/// Logits → one token id: a pure function of the logits, the options and one uniform number.
///
/// Neither top-k nor top-p sorts the vocabulary: top-k finds its threshold by selection, top-p
/// by a selection weighted by probability, both O(V) expected.
public enum TokenSampler {
  /// Draws a token.
  ///
  /// - logits: (V) overwritten (scaled, filtered, then probabilities).
  /// - excluded: an id never to draw (the tokenizer's unknown symbol), or nil.
  /// - seen: (V) whether each id is already in the text, for the repetition penalty (nil: none).
  /// - uniform: a number in [0, 1) from the caller's seeded generator.
  /// - scratch: reused storage (grows to V), so a sampling loop does not allocate.
  public static func sample(
    logits: UnsafeMutablePointer<Float>, vocab V: Int, options: SamplingOptions,
    excluded: Int? = nil, seen: UnsafePointer<Bool>? = nil, uniform: Double, scratch: inout [Float]
  ) -> Int {
    if let seen, options.repetitionPenalty != 1 {
      let penalty = options.repetitionPenalty
      for i in 0..<V where seen[i] { logits[i] = logits[i] > 0 ? logits[i] / penalty : logits[i] * penalty }
    }
    if let excluded, excluded < V { logits[excluded] = -.infinity }
    if options.temperature == 0 { return argmax(logits, count: V) }
    if options.temperature != 1 { VectorOps.scale(logits, count: V, by: 1 / options.temperature) }

    if options.topK > 0 && options.topK < V {
      let threshold = kthLargest(logits, count: V, k: options.topK, scratch: &scratch)
      for i in 0..<V where logits[i] < threshold { logits[i] = -.infinity }
    }
    let maxValue = Softmax.rowMax(logits, count: V)
    var total = Softmax.expShiftedInPlace(logits, count: V, subtracting: maxValue)

    if options.topP < 1 {
      let threshold = massThreshold(logits, count: V, mass: Double(options.topP) * total, scratch: &scratch)
      total = zeroWeights(below: threshold, logits, count: V)
    }

    if options.minP > 0 {
      // After top-p, as Hugging Face orders them; the weights' ratios are the probabilities'.
      total = zeroWeights(below: options.minP * Softmax.rowMax(logits, count: V), logits, count: V)
    }

    // Inverse-CDF draw over the unnormalized weights.
    let target = uniform * total
    var cumulative = 0.0
    var last = 0
    for i in 0..<V where logits[i] > 0 {
      cumulative += Double(logits[i])
      last = i
      if cumulative > target { return i }
    }
    return last
  }

  /// Sets the weights below `cut` to 0 and returns the sum of those kept (the new total).
  static func zeroWeights(below cut: Float, _ weights: UnsafeMutablePointer<Float>, count: Int) -> Double {
    var total = 0.0
    for i in 0..<count {
      if weights[i] < cut { weights[i] = 0 } else { total += Double(weights[i]) }
    }
    return total
  }

  /// Index of the largest value (the first, on ties).
  public static func argmax(_ x: UnsafePointer<Float>, count: Int) -> Int {
    var best = 0
    for i in 1..<max(count, 1) where x[i] > x[best] { best = i }
    return best
  }

  /// The k-th largest value of x (1 ≤ k ≤ count), by quickselect on a copy.
  static func kthLargest(_ x: UnsafePointer<Float>, count: Int, k: Int, scratch: inout [Float]) -> Float {
    scratch.removeAll(keepingCapacity: true)
    scratch.append(contentsOf: UnsafeBufferPointer(start: x, count: count))
    var (lo, hi, want) = (0, count, k - 1)  // find index `want` in descending order within [lo, hi)
    while hi - lo > 1 {
      let pivot = scratch[lo + (hi - lo) / 2]
      // Three-way partition: [> pivot | == pivot | < pivot].
      var (gt, i, lt) = (lo, lo, hi)
      while i < lt {
        if scratch[i] > pivot {
          scratch.swapAt(i, gt)
          gt += 1
          i += 1
        } else if scratch[i] < pivot {
          lt -= 1
          scratch.swapAt(i, lt)
        } else {
          i += 1
        }
      }
      if want < gt { hi = gt } else if want < lt { return pivot } else { lo = lt }
    }
    return scratch[lo]
  }

  /// The largest τ such that the values ≥ τ sum to at least `mass`: keeping exactly those
  /// values is Hugging Face's top-p (the smallest top set whose mass reaches p, ties kept).
  static func massThreshold(_ p: UnsafePointer<Float>, count: Int, mass: Double, scratch: inout [Float]) -> Float {
    scratch.removeAll(keepingCapacity: true)
    for i in 0..<count where p[i] > 0 { scratch.append(p[i]) }
    var (lo, hi, need) = (0, scratch.count, mass)
    while hi - lo > 1 {
      let pivot = scratch[lo + (hi - lo) / 2]
      var (gt, i, lt) = (lo, lo, hi)
      var (massGreater, massEqual) = (0.0, 0.0)
      while i < lt {
        let v = scratch[i]
        if v > pivot {
          massGreater += Double(v)
          scratch.swapAt(i, gt)
          gt += 1
          i += 1
        } else if v < pivot {
          lt -= 1
          scratch.swapAt(i, lt)
        } else {
          massEqual += Double(v)
          i += 1
        }
      }
      if massGreater >= need {
        hi = gt
      } else if massGreater + massEqual >= need {
        return pivot
      } else {
        need -= massGreater + massEqual
        lo = lt
        if lo >= hi { return pivot }  // rounding: everything is needed
      }
    }
    return lo < scratch.count ? scratch[lo] : 0
  }
}

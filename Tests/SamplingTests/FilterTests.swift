import Kernels
import Testing

@testable import Sampling

/// min-p and the repetition penalty: off they change nothing, on they keep what llama.cpp and
/// Hugging Face keep.
@Suite struct FilterTests {
  typealias T = TokenSamplerTests

  /// One draw with `seen` flags (V), on a copy of the logits.
  static func draw(_ logits: [Float], _ options: SamplingOptions, seen: [Bool], uniform: Double) -> Int {
    var copy = logits
    var scratch: [Float] = []
    return seen.withUnsafeBufferPointer { flags in
      TokenSampler.sample(
        logits: &copy, vocab: logits.count, options: options, seen: flags.baseAddress, uniform: uniform,
        scratch: &scratch)
    }
  }

  @Test(
    "min-p 0 and repetition penalty 1 draw exactly what the unfiltered sampler draws (2000 draws each)",
    arguments: [
      SamplingOptions(), SamplingOptions(temperature: 0.7, topK: 5), SamplingOptions(topP: 0.8),
      SamplingOptions(temperature: 0),
    ])
  func offIsUnfiltered(options: SamplingOptions) {
    var rng = SeededGenerator(seed: 3)
    for trial in 0..<2000 {
      let logits = T.randomLogits(1 + trial % 97, spread: 3, rng: &rng)
      let seen = logits.indices.map { _ in rng.nextUnitDouble() < 0.5 }
      let u = rng.nextUnitDouble()
      var off = options
      (off.minP, off.repetitionPenalty) = (0, 1)
      #expect(Self.draw(logits, off, seen: seen, uniform: u) == T.draw(logits, options, uniform: u))
    }
  }

  @Test("min-p leaves exactly the ids with p ≥ min_p · p_max reachable", arguments: [0.05, 0.3, 0.9, 1] as [Float])
  func minPSupport(minP: Float) {
    var rng = SeededGenerator(seed: 5)
    for trial in 0..<20 {
      let logits = T.randomLogits(40, spread: 2, rng: &rng)
      let p = T.probabilities(logits)
      // Reference in Double; ids within 1e-5 relative of the cut may go either way (Float weights).
      let cut = Double(minP) * p.max()!
      let sure = Set(p.indices.filter { p[$0] >= cut * (1 + 1e-5) })
      let maybe = Set(p.indices.filter { p[$0] >= cut * (1 - 1e-5) })
      let got = T.support(logits, SamplingOptions(minP: minP), count: 4000, seed: UInt64(trial))
      #expect(got.isSubset(of: maybe), "trial \(trial): drew \(got.subtracting(maybe)) below the cut")
      // Every kept id has probability ≥ min_p · p_max / Σ kept ≥ 0.05/40 per draw: 4000 draws reach it.
      #expect(sure.subtracting(got).isEmpty || minP < 0.1, "trial \(trial): never drew \(sure.subtracting(got))")
    }
  }

  @Test("the penalty divides positive and multiplies negative logits of seen ids (greedy shows which wins)")
  func repetitionPenalty() {
    // Logits 3, 2.5, -1, -0.5; ids 0 and 2 are seen. Penalty 2: 1.5, 2.5, -2, -0.5 → id 1.
    let logits: [Float] = [3, 2.5, -1, -0.5]
    let seen = [true, false, true, false]
    #expect(Self.draw(logits, SamplingOptions(temperature: 0), seen: seen, uniform: 0) == 0)
    #expect(Self.draw(logits, SamplingOptions(temperature: 0, repetitionPenalty: 2), seen: seen, uniform: 0) == 1)
    // All seen, all negative but one: multiplying keeps the order of the negatives apart from 0's sign.
    let negative: [Float] = [-1, -0.5, -2]
    let all = [true, true, true]
    #expect(Self.draw(negative, SamplingOptions(temperature: 0, repetitionPenalty: 3), seen: all, uniform: 0) == 1)
    // A penalty below 1 rewards repetition: seen id 2 (-1 · 0.1 = -0.1) beats unseen id 3 (-0.5).
    let small = SamplingOptions(temperature: 0, repetitionPenalty: 0.1)
    #expect(Self.draw([-3, -2, -1, -0.5], small, seen: [false, false, true, false], uniform: 0) == 2)
  }
}

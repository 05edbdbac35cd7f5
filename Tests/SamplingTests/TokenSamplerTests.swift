import Kernels
import TestSupport
import Testing

@testable import Sampling

/// The sampler: greedy, exclusion, top-k, top-p (against a sort-based reference of Hugging
/// Face's semantics), their order, the draw's frequencies and its edge at uniform → 1.
@Suite struct TokenSamplerTests {
  /// One draw on a copy of `logits`.
  static func draw(
    _ logits: [Float], _ options: SamplingOptions = SamplingOptions(), excluded: Int? = nil, uniform: Double
  ) -> Int {
    var copy = logits
    var scratch: [Float] = []
    return TokenSampler.sample(
      logits: &copy, vocab: logits.count, options: options, excluded: excluded, uniform: uniform,
      scratch: &scratch)
  }

  /// The ids drawn over `count` seeded uniforms.
  static func support(
    _ logits: [Float], _ options: SamplingOptions, excluded: Int? = nil, count: Int, seed: UInt64 = 1
  ) -> Set<Int> {
    var rng = SeededGenerator(seed: seed)
    var copy = logits
    var scratch: [Float] = []
    var seen = Set<Int>()
    for _ in 0..<count {
      copy = logits
      seen.insert(
        TokenSampler.sample(
          logits: &copy, vocab: logits.count, options: options, excluded: excluded,
          uniform: rng.nextUnitDouble(), scratch: &scratch))
    }
    return seen
  }

  static func randomLogits(_ V: Int, spread: Float = 1, rng: inout SeededGenerator) -> [Float] {
    (0..<V).map { _ in rng.nextStandardNormal() * spread }
  }

  /// Softmax in Double.
  static func probabilities(_ logits: [Float]) -> [Double] {
    let m = Double(logits.max()!)
    let e = logits.map { $0 == -.infinity ? 0 : Foundation_exp(Double($0) - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
  }

  /// The ids of the k largest logits, ties at the k-th value kept (HF: `scores < topk[-1]` removed).
  static func topKReference(_ logits: [Float], k: Int) -> Set<Int> {
    let threshold = logits.sorted(by: >)[k - 1]
    return Set(logits.indices.filter { logits[$0] >= threshold })
  }

  /// Hugging Face top-p by sorting: descending, the smallest prefix whose cumulative mass
  /// reaches `mass`; every value equal to the last one kept is kept too.
  static func topPReference(_ p: [Float], mass: Double) -> Set<Int> {
    let sorted = p.filter { $0 > 0 }.sorted(by: >)
    var cumulative = 0.0
    var threshold = sorted.last ?? 0
    for v in sorted {
      cumulative += Double(v)
      if cumulative >= mass {
        threshold = v
        break
      }
    }
    return Set(p.indices.filter { p[$0] > 0 && p[$0] >= threshold })
  }

  // MARK: - Greedy and exclusion

  @Test("temperature 0 takes the argmax (the first on ties), never the excluded id")
  func greedy() {
    var rng = SeededGenerator(seed: 1)
    for V in [1, 2, 9, 6443] {
      let logits = Self.randomLogits(V, rng: &rng)
      let best = logits.indices.max { logits[$0] < logits[$1] }!
      #expect(Self.draw(logits, SamplingOptions(temperature: 0), uniform: 0.5) == best)
      if V > 1 {
        var withoutBest = logits
        withoutBest[best] = -.infinity
        let second = withoutBest.indices.max { withoutBest[$0] < withoutBest[$1] }!
        #expect(Self.draw(logits, SamplingOptions(temperature: 0), excluded: best, uniform: 0.5) == second)
      }
    }
    #expect(Self.draw([1, 4, 2, 4, 4], SamplingOptions(temperature: 0), uniform: 0.9) == 1)
  }

  @Test(
    "the excluded id is never drawn (2k seeded draws, and uniforms at the edges)",
    arguments: [0, 3, 6])
  func excludedNeverDrawn(excluded: Int) {
    // The excluded id has the largest logit, so it would be the likeliest draw.
    var logits: [Float] = [0.5, -1, 2, 0.1, 1, -0.3, 0.7]
    logits[excluded] = 5
    for options in [SamplingOptions(), SamplingOptions(temperature: 0.5, topK: 3), SamplingOptions(topP: 0.8)] {
      let seen = Self.support(logits, options, excluded: excluded, count: 2000)
      #expect(!seen.contains(excluded), "\(options)")
      for u in [0, 1e-12, 0.5, 1 - 1e-9, 1.0.nextDown] {
        #expect(Self.draw(logits, options, excluded: excluded, uniform: u) != excluded, "\(options) u=\(u)")
      }
    }
  }

  // MARK: - Top-k

  @Test("top-k leaves exactly the k largest reachable", arguments: [1, 2, 5, 9])
  func topKSupport(k: Int) {
    var rng = SeededGenerator(seed: UInt64(k))
    let logits = Self.randomLogits(12, spread: 0.5, rng: &rng)
    let expected = Self.topKReference(logits, k: k)
    #expect(expected.count == k)
    // 3k draws: each kept id has probability ≥ 2% here (≥ 60 expected hits), so all are reached.
    #expect(Self.support(logits, SamplingOptions(topK: k), count: 3000) == expected)
    // k = 0 and k ≥ V mean no limit.
    if k == 9 {
      #expect(Self.support(logits, SamplingOptions(topK: 0), count: 3000) == Set(0..<12))
      #expect(Self.support(logits, SamplingOptions(topK: 12), count: 3000) == Set(0..<12))
    }
  }

  @Test("top-k keeps every value tied with the k-th (as Hugging Face does)")
  func topKTies() {
    let logits: [Float] = [5, 3, 1, 3, 3, 0]
    #expect(Self.support(logits, SamplingOptions(topK: 2), count: 2000) == [0, 1, 3, 4])
    #expect(Self.support(logits, SamplingOptions(topK: 4), count: 2000) == [0, 1, 3, 4])
    #expect(Self.support(logits, SamplingOptions(topK: 1), count: 500) == [0])
  }

  @Test("kthLargest equals sorting, with duplicates")
  func kthLargest() {
    var rng = SeededGenerator(seed: 3)
    var scratch: [Float] = []
    for V in [1, 2, 7, 64, 6443] {
      for quantized in [false, true] {
        // Quantized logits (multiples of 1/2 in [−4, 4]) make many ties.
        let logits = Self.randomLogits(V, spread: 2, rng: &rng).map { quantized ? ($0 * 2).rounded() / 2 : $0 }
        let sorted = logits.sorted(by: >)
        for k in Set([1, 2, V / 3 + 1, V / 2 + 1, V]) where k <= V {
          #expect(TokenSampler.kthLargest(logits, count: V, k: k, scratch: &scratch) == sorted[k - 1], "V\(V) k\(k)")
        }
      }
    }
  }

  // MARK: - Top-p

  @Test(
    "massThreshold keeps exactly the sort-based Hugging Face top-p set",
    arguments: [1, 2, 7, 64, 6443])
  func topPMatchesReference(V: Int) {
    var rng = SeededGenerator(seed: UInt64(V) &+ 100)
    var scratch: [Float] = []
    for trial in 0..<(V > 1000 ? 3 : 12) {
      // Peaked, flat and tied distributions: spreads 0.3…4; every third trial quantized to
      // multiples of 1/8 (ties, and masses that hit p exactly).
      let spread: Float = [0.3, 1, 4][trial % 3]
      var weights = Self.probabilities(Self.randomLogits(V, spread: spread, rng: &rng)).map(Float.init)
      if trial % 3 == 2 { weights = weights.map { max(1, ($0 * 64).rounded()) / 8 } }
      let total = weights.reduce(0.0) { $0 + Double($1) }
      for p in [0.05, 0.3, 0.5, 0.9, 0.95, 0.999] {
        let mass = p * total
        let threshold = TokenSampler.massThreshold(weights, count: V, mass: mass, scratch: &scratch)
        let kept = Set(weights.indices.filter { weights[$0] > 0 && weights[$0] >= threshold })
        let expected = Self.topPReference(weights, mass: mass)
        #expect(kept == expected, "V\(V) trial \(trial) p\(p): kept \(kept.count), reference \(expected.count)")
      }
    }
    // A mass exactly reached by a prefix keeps that prefix and no more.
    let exact: [Float] = [0.25, 0.5, 0.125, 0.125]
    #expect(
      Set(
        exact.indices.filter { exact[$0] >= TokenSampler.massThreshold(exact, count: 4, mass: 0.75, scratch: &scratch) }
      ) == [0, 1])
    #expect(
      Set(
        exact.indices.filter { exact[$0] >= TokenSampler.massThreshold(exact, count: 4, mass: 0.8, scratch: &scratch) })
        == [0, 1, 2, 3])
  }

  @Test("top-p through sample(): the drawn support is the reference set")
  func topPSupport() {
    let logits: [Float] = [2, 1.5, 1, 0.5, 0, -0.5, -1]
    let probabilities = Self.probabilities(logits)
    for p in [Float(0.2), 0.5, 0.8, 0.95] {
      let expected = Self.topPReference(probabilities.map(Float.init), mass: Double(p))
      #expect(Self.support(logits, SamplingOptions(topP: p), count: 2000) == expected, "p\(p)")
    }
  }

  @Test("top-k applies before top-p (top-p sees the renormalized top-k distribution)")
  func topKThenTopP() {
    // p ∝ [0.4, 0.3, 0.2, 0.1]. Top-k 2 then top-p 0.5: renormalized [0.57, 0.43] → {0}.
    // The other order would keep {0, 1} (0.4 < 0.5 ≤ 0.7, then top-2).
    let logits = [Float(0.4), 0.3, 0.2, 0.1].map { Float(Foundation_exp(Double($0))).logValue }
    #expect(Self.support(logits, SamplingOptions(topK: 2, topP: 0.5), count: 1000) == [0])
    #expect(Self.support(logits, SamplingOptions(topP: 0.5), count: 1000) == [0, 1])
    #expect(Self.support(logits, SamplingOptions(topK: 3, topP: 0.6), count: 1000) == [0, 1])
  }

  // MARK: - The draw

  /// χ² of `n` seeded draws against `expected` (zero-probability ids must never be drawn).
  static func chiSquare(
    _ logits: [Float], _ options: SamplingOptions, expected: [Double], draws n: Int, seed: UInt64
  ) -> (chiSquare: Double, counts: [Int]) {
    var counts = [Int](repeating: 0, count: logits.count)
    var rng = SeededGenerator(seed: seed)
    let work = FloatBuffer(count: logits.count)  // reused: the loop does not allocate
    var scratch: [Float] = []
    for _ in 0..<n {
      work.pointer.update(from: logits, count: logits.count)
      let id = TokenSampler.sample(
        logits: work.pointer, vocab: logits.count, options: options, uniform: rng.nextUnitDouble(),
        scratch: &scratch)
      counts[id] += 1
    }
    var chiSquare = 0.0
    for i in logits.indices {
      if expected[i] == 0 {
        #expect(counts[i] == 0, "id \(i) is filtered out but was drawn \(counts[i]) times")
        continue
      }
      let e = expected[i] * Double(n)
      chiSquare += (Double(counts[i]) - e) * (Double(counts[i]) - e) / e
    }
    return (chiSquare, counts)
  }

  static let frequencyLogits: [Float] = [1.2, 0.3, -0.5, 2, 0, -1.5, 0.8, -3]

  @Test("empirical frequencies over 200k draws match softmax(logits / temperature)")
  func frequencies() {
    let expected = Self.probabilities(Self.frequencyLogits.map { $0 / 0.8 })
    let (chiSquare, counts) = Self.chiSquare(
      Self.frequencyLogits, SamplingOptions(temperature: 0.8), expected: expected, draws: 200_000, seed: 2024)
    // χ² with 7 degrees of freedom: P(χ² > 29.9) = 1e-4 for a correct sampler. Deterministic
    // for this seed; a bias of 1% on a 10% id would add ≈ 20 on its own.
    #expect(chiSquare < 29.9, "χ² = \(chiSquare), counts \(counts), expected \(expected.map { $0 * 200_000 })")
  }

  @Test("empirical frequencies over 20k draws match the top-k then top-p filtered probabilities")
  func filteredFrequencies() {
    // Top-6 of the logits / 0.8, renormalized; then top-p 0.9 of that: computed by the references.
    let scaled = Self.frequencyLogits.map { $0 / 0.8 }
    let topK = Self.topKReference(scaled, k: 6)
    let afterK = Self.probabilities(scaled.indices.map { topK.contains($0) ? scaled[$0] : -.infinity })
    let topP = Self.topPReference(afterK.map(Float.init), mass: 0.9)
    let expected = Self.probabilities(scaled.indices.map { topP.contains($0) ? scaled[$0] : -.infinity })
    let (chiSquare, counts) = Self.chiSquare(
      Self.frequencyLogits, SamplingOptions(temperature: 0.8, topK: 6, topP: 0.9), expected: expected,
      draws: 20_000, seed: 7)
    let dof = Double(topP.count - 1)
    // P(χ² > 25.7) = 1e-4 at 5 degrees of freedom (fewer kept ids make the bound looser).
    #expect(topP.count >= 3 && topP.count <= 6 && dof <= 5)
    #expect(chiSquare < 25.7, "χ² = \(chiSquare), counts \(counts), expected \(expected.map { $0 * 20_000 })")
  }

  @Test("uniform near 1 returns a valid (kept, not excluded) id", arguments: [1, 7, 65, 6443])
  func uniformNearOne(V: Int) {
    var rng = SeededGenerator(seed: UInt64(V))
    for trial in 0..<(V > 1000 ? 2 : 20) {
      let logits = Self.randomLogits(V, spread: 2, rng: &rng)
      let excluded = V > 1 ? V - 1 : nil  // last: the draw's fallback is the last positive weight
      let topK = V > 2 ? 1 + trial % (V - 1) : 0
      for options in [SamplingOptions(), SamplingOptions(topK: topK), SamplingOptions(temperature: 0.3, topP: 0.9)] {
        var allowed = options.topK > 0 ? Self.topKReference(logits, k: options.topK) : Set(0..<V)
        if let excluded {
          var masked = logits
          masked[excluded] = -.infinity
          allowed = options.topK > 0 ? Self.topKReference(masked, k: options.topK) : Set(0..<V).subtracting([excluded])
        }
        for u in [1 - 1e-7, 1 - 1e-12, 1.0.nextDown] {
          let id = Self.draw(logits, options, excluded: excluded, uniform: u)
          #expect(allowed.contains(id), "V\(V) trial \(trial) \(options) u=\(u): drew \(id)")
        }
      }
    }
  }
}

extension SamplingOptions: CustomTestStringConvertible {
  public var testDescription: String { "T\(temperature) k\(topK) p\(topP)" }
}

extension Float {
  fileprivate var logValue: Float { Float(Foundation_log(Double(self))) }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
func Foundation_exp(_ x: Double) -> Double { exp(x) }
func Foundation_log(_ x: Double) -> Double { log(x) }

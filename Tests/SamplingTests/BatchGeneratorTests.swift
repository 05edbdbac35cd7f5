import Kernels
import Modeling
import TestSupport
import Testing

@testable import Sampling

/// The batched GEMM path against B separate one-stream ``Generator``s.
@Suite struct BatchGeneratorTests {
  @Test("stream b of a batch equals a single Generator fed the same ids", arguments: GeneratorTests.configs)
  func matchesSingleStreams(config: ModelConfig) {
    var rng = SeededGenerator(seed: 11 &+ UInt64(config.vocabSize))
    let model = LanguageModel(config: config, generator: &rng)
    let (B, n, V) = (4, 10, config.vocabSize)
    let ids = (0..<B).map { _ in (0..<n).map { _ in Int(rng.next() % UInt64(V)) } }

    let batch = BatchGenerator(model: model, batch: B)
    let singles = (0..<B).map { _ in Generator(model: model) }
    for t in 0..<n {
      batch.feed(ids.map { $0[t] })
      for b in 0..<B {
        singles[b].feed(ids[b][t])
        // GEMM vs GEMV over the same data: only the order of the sums differs (a few ulps).
        let logits = Array(UnsafeBufferPointer(start: batch.logits(ofStream: b), count: V))
        expectClose(
          logits, singles[b].logits.array.map(Double.init), tolerance: 1e-5, floor: 1, "stream \(b) logits at step \(t)"
        )
      }
    }
  }

  @Test("sampling B streams with per-stream random numbers gives each single run's symbols")
  func samplesMatchSingleRuns() {
    let config = GeneratorTests.configs[0]
    var rng = SeededGenerator(seed: 3)
    let model = LanguageModel(config: config, generator: &rng)
    let (B, length, V) = (3, 40, config.vocabSize)
    let options = SamplingOptions(temperature: 0.9, topK: 8, topP: 0.95)
    let prime = [2, 5, 1]

    // Batched: all streams share the prime; stream b draws from its own generator seeded 100 + b.
    let batch = BatchGenerator(model: model, batch: B)
    for id in prime { batch.feed(Array(repeating: id, count: B)) }
    var streams = (0..<B).map { SeededGenerator(seed: 100 + UInt64($0)) }
    var batched = Array(repeating: [Int](), count: B)
    var scratch: [Float] = []
    for _ in 0..<length {
      var next = [Int]()
      for b in 0..<B {
        let id = TokenSampler.sample(
          logits: batch.logits(ofStream: b), vocab: V, options: options, uniform: streams[b].nextUnitDouble(),
          scratch: &scratch)
        next.append(id)
        batched[b].append(id)
      }
      batch.feed(next)
    }

    for b in 0..<B {
      let single = Generator(model: model)
      for id in prime { single.feed(id) }
      var random = SeededGenerator(seed: 100 + UInt64(b))
      var ids: [Int] = []
      for _ in 0..<length {
        let id = TokenSampler.sample(
          logits: single.logits.pointer, vocab: V, options: options, uniform: random.nextUnitDouble(), scratch: &scratch
        )
        ids.append(id)
        single.feed(id)
      }
      #expect(batched[b] == ids, "stream \(b)")
    }
  }

  @Test("reset returns every stream to the zero state")
  func reset() {
    var rng = SeededGenerator(seed: 8)
    let model = LanguageModel(config: GeneratorTests.configs[1], generator: &rng)
    let batch = BatchGenerator(model: model, batch: 2)
    batch.feed([1, 2])
    let first = batch.logits.array
    batch.feed([3, 3])
    batch.reset()
    #expect(batch.state.h.array.allSatisfy { $0 == 0 } && batch.state.c.array.allSatisfy { $0 == 0 })
    batch.feed([1, 2])
    #expect(batch.logits.array == first)
  }
}

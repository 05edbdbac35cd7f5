import Kernels
import Modeling
import TestSupport
import Testing

@testable import Sampling

/// ``Generation``: per-stream seeds, the stop decision, the length and the deadline.
@Suite struct GenerationTests {
  /// A small fresh model (the same one on every call).
  static var model: LanguageModel {
    var rng = SeededGenerator(seed: 21)
    return LanguageModel(config: GeneratorTests.configs[0], generator: &rng)
  }

  /// Every stream's ids of a run, in draw order.
  static func ids(_ generation: Generation, stopAfter: [Int: Int] = [:]) -> (ids: [[Int]], stopped: [Bool]) {
    var ids = Array(repeating: [Int](), count: generation.streams)
    let stopped = generation.run(model: Self.model) { b, id in
      ids[b].append(id)
      return ids[b].count == stopAfter[b] ? .stop : .proceed
    }
    return (ids, stopped)
  }

  @Test("stream i of N equals a one-stream run seeded seed + i", arguments: [1, 3])
  func streamsMatchSingleRuns(streams: Int) {
    let options = SamplingOptions(temperature: 0.9, topK: 8)
    let batched = Self.ids(Generation(prime: [2, 5], streams: streams, length: 30, seed: 40, options: options)).ids
    for b in 0..<streams {
      let single = Self.ids(Generation(prime: [2, 5], length: 30, seed: 40 + UInt64(b), options: options)).ids[0]
      #expect(batched[b] == single, "stream \(b)")
    }
  }

  @Test("a stop ends only its stream; the others run to the length")
  func stopEndsOneStream() {
    let (ids, stopped) = Self.ids(Generation(prime: [1], streams: 3, length: 20, seed: 7), stopAfter: [1: 5])
    #expect(ids.map(\.count) == [20, 5, 20])
    #expect(stopped == [false, true, false])
  }

  @Test("a past deadline draws nothing; length 0 draws nothing")
  func deadlineAndZeroLength() {
    let past = ContinuousClock.now - .seconds(1)
    #expect(Self.ids(Generation(prime: [1], streams: 2, length: 20, seed: 7, deadline: past)).ids == [[], []])
    #expect(Self.ids(Generation(prime: [1], length: 0, seed: 7)).ids == [[]])
  }
}

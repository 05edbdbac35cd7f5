import Testing

@testable import Training

/// The B-contiguous-streams loader, checked on the tokens 0…N−1 (as char-rnn's loader is), so
/// every id equals its position and the expected layout can be written down directly.
@Suite struct BatchLayoutTests {
  static func tokens(_ n: Int, offset: Int = 0) -> TokenIDs { .narrow((0..<n).map { UInt16($0 + offset) }) }

  func chunk(_ layout: BatchLayout, _ k: Int, _ ids: TokenIDs, steps: Int? = nil) -> (inputs: [Int32], targets: [Int32])
  {
    let n = (steps ?? layout.steps) * layout.batch
    var inputs = [Int32](repeating: -9, count: n)
    var targets = inputs
    inputs.withUnsafeMutableBufferPointer { i in
      targets.withUnsafeMutableBufferPointer { t in
        layout.fill(
          chunk: k, stepCount: steps ?? layout.steps, from: ids, inputs: i.baseAddress!, targets: t.baseAddress!)
      }
    }
    return (inputs, targets)
  }

  @Test("N = 26, B = 3, T = 4: S = 8 positions per stream, 2 chunks per epoch")
  func layoutOfTokens() {
    let layout = BatchLayout(symbols: 26, batch: 3, steps: 4)
    #expect(layout.streamLength == 8)
    #expect(layout.fullChunks == 2)
    #expect(layout.coveringChunks == 2)
    // Chunk 1, row t holds stream b's position 4 + t: token b·8 + 4 + t; targets are the next token.
    let (inputs, targets) = chunk(layout, 1, Self.tokens(26))
    #expect(inputs == [4, 12, 20, 5, 13, 21, 6, 14, 22, 7, 15, 23])
    #expect(targets == inputs.map { $0 + 1 })
  }

  @Test("the last covering chunk is shorter and never reads past the split")
  func lastChunkIsShorter() {
    let layout = BatchLayout(symbols: 23, batch: 2, steps: 4)  // S = 11: chunks of 4, 4, 3
    #expect(layout.coveringChunks == 3)
    #expect(layout.steps(inChunk: 2) == 3)
    let (inputs, targets) = chunk(layout, 2, Self.tokens(23), steps: 3)
    #expect(inputs == [8, 19, 9, 20, 10, 21])
    #expect(targets.max() == 22)
  }

  @Test("a split is a view: positions restart at 0 and ids are the corpus's")
  func slicesShareStorage() {
    let ids = Self.tokens(100)
    let tail = ids.slice(90..<100)
    #expect(tail.count == 10)
    #expect(tail[0] == 90 && tail[9] == 99)
    #expect(tail.slice(2..<4)[1] == 93)
  }
}

import Foundation
import Testing

@testable import Modeling
@testable import Training

/// The two validation splits, checked on the tokens 0…N−1 so every id names its position.
@Suite struct ValidationSplitTests {
  static func tokens(_ n: Int) -> TokenIDs { .narrow((0..<n).map { UInt16($0) }) }
  static func values(_ ids: TokenIDs?) -> [Int] { ids.map { ids in (0..<ids.count).map { Int(ids[$0]) } } ?? [] }

  @Test("tail: the last ⌊N·fraction⌋ symbols validate, as before", arguments: [(1000, 0.1, 100), (999, 0.25, 249)])
  func tail(n: Int, fraction: Double, held: Int) {
    let (train, validation) = ValidationSplit.tail.split(Self.tokens(n), fraction: fraction, blockLength: 64, seed: 1)
    #expect(Self.values(train) == Array(0..<(n - held)))
    #expect(Self.values(validation) == Array((n - held)..<n))
  }

  @Test(
    "sampled: whole blocks held out, round(blocks·fraction) of them, disjoint from what trains, together all of it",
    arguments: [(10_000, 64, 0.1, 1), (10_000, 64, 0.1, 2), (1_000, 16, 0.3, 7), (130, 64, 0.1, 1)])
  func sampled(n: Int, block: Int, fraction: Double, seed: UInt64) throws {
    let (train, validation) = ValidationSplit.sampled.split(
      Self.tokens(n), fraction: fraction, blockLength: block, seed: seed)
    let held = ValidationSplit.heldOutBlocks(symbols: n, fraction: fraction, blockLength: block, seed: seed)
    let blocks = n / block
    #expect(held.count == min(max(Int((Double(blocks) * fraction).rounded()), 1), blocks - 1))
    #expect(held == held.sorted() && Set(held).count == held.count && held.allSatisfy { $0 < blocks })
    let validating = Self.values(validation)
    #expect(validating == held.flatMap { Array(($0 * block)..<(($0 + 1) * block)) })
    // Training reads every other symbol, in order, and none of the held-out ones.
    let training = Self.values(train)
    #expect(training == (0..<n).filter { !held.contains($0 / block) || $0 >= blocks * block })
    #expect(Set(training).isDisjoint(with: validating))
  }

  @Test("sampled: the same seed draws the same blocks, another seed others; spread over the whole text")
  func seeded() {
    let a = ValidationSplit.heldOutBlocks(symbols: 100_000, fraction: 0.1, blockLength: 100, seed: 1)
    #expect(a == ValidationSplit.heldOutBlocks(symbols: 100_000, fraction: 0.1, blockLength: 100, seed: 1))
    #expect(a != ValidationSplit.heldOutBlocks(symbols: 100_000, fraction: 0.1, blockLength: 100, seed: 2))
    // 100 of 1000 blocks: some in every tenth of the text (the tail split would hold only the last).
    #expect(Set(a.map { $0 / 100 }).count == 10)
  }

  /// Pinned: python/tests/test_split.py asserts the same blocks from charlm_torch's copy.
  @Test("sampled: the blocks drawn are pinned (the PyTorch side draws the same)")
  func pinned() {
    #expect(ValidationSplit.heldOutBlocks(symbols: 20_000, fraction: 0.1, blockLength: 1000, seed: 1) == [3, 5])
    #expect(
      ValidationSplit.heldOutBlocks(symbols: 10_000, fraction: 0.3, blockLength: 100, seed: 7).prefix(10) == [
        0, 2, 3, 7, 8, 10, 14, 15, 16, 22,
      ])
  }

  @Test("sampled: nothing held out for fraction 0 or fewer than two blocks")
  func none() {
    #expect(ValidationSplit.sampled.split(Self.tokens(1000), fraction: 0, blockLength: 10, seed: 1).validation == nil)
    let (train, validation) = ValidationSplit.sampled.split(Self.tokens(100), fraction: 0.5, blockLength: 64, seed: 1)
    #expect(validation == nil && train.count == 100)
  }

  @Test("the record decodes a file written before val_split as the tail split it used")
  func oldRecordIsTail() throws {
    var options = TrainingOptions()
    #expect(options.valSplit == .sampled)
    options.valSplit = .sampled
    let record = TrainingRecord(
      step: 1, adamStep: 1, currentLearningRate: 1e-3, consecutiveFailures: 0, generator: ["1", "2", "3", "4"],
      options: options)
    let json = record.json
    #expect(json.contains(#""val_split":"sampled""#))
    let old = json.replacingOccurrences(of: #","val_split":"sampled""#, with: "")
    let decoded = try #require(try TrainingRecord.read(metadata: [MetadataKey.trainingRecord: old]))
    #expect(decoded.options.valSplit == .tail)
  }
}

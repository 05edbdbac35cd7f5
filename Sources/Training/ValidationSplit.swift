import Kernels

/// Which part of a corpus validates when no separate validation text is given.
///
/// `tail`: the last ⌊N·fraction⌋ symbols (char-rnn's split). `sampled`: the text cut into
/// blocks of T·B symbols (one chunk of every stream), and a seeded, fixed share of the blocks
/// held out — round(blocks·fraction), at least one, never all — so validation sees every kind
/// of text the corpus holds (on corpora made of several sources one after another, the tail is
/// only the last one). The training streams read the other blocks, joined in order (and the
/// incomplete last block), and never a held-out one.
public enum ValidationSplit: String, Codable, Sendable, CaseIterable {
  case tail
  case sampled

  /// The seed of the block choice is the run's seed plus this, so that it draws apart from
  /// the initialization.
  static let seedOffset: UInt64 = 0x5A4D_504C

  /// `ids` split into the part that trains and the part that validates (nil when none).
  /// - blockLength: symbols per block of the sampled split (T·B).
  public func split(_ ids: TokenIDs, fraction: Double, blockLength: Int, seed: UInt64) -> (
    train: TokenIDs, validation: TokenIDs?
  ) {
    switch self {
    case .tail:
      let validationCount = Int((Double(ids.count) * fraction).rounded(.down))
      let cut = ids.count - validationCount
      return (ids.slice(0..<cut), validationCount > 0 ? ids.slice(cut..<ids.count) : nil)
    case .sampled:
      let held = Self.heldOutBlocks(symbols: ids.count, fraction: fraction, blockLength: blockLength, seed: seed)
      guard !held.isEmpty else { return (ids, nil) }
      var trainRanges: [Range<Int>] = []
      var start = 0
      for block in held {
        if block * blockLength > start { trainRanges.append(start..<(block * blockLength)) }
        start = (block + 1) * blockLength
      }
      if start < ids.count { trainRanges.append(start..<ids.count) }
      let validationRanges = held.map { ($0 * blockLength)..<(($0 + 1) * blockLength) }
      return (ids.gathering(trainRanges), ids.gathering(validationRanges))
    }
  }

  /// The held-out block indices of the sampled split, ascending: of the ⌊N / blockLength⌋ whole
  /// blocks, round(blocks·fraction) (at least 1 when fraction > 0, at most blocks − 1), drawn by
  /// a partial Fisher–Yates shuffle from `seed`. Empty when fraction is 0 or there are fewer
  /// than 2 blocks.
  public static func heldOutBlocks(symbols: Int, fraction: Double, blockLength: Int, seed: UInt64) -> [Int] {
    precondition(blockLength >= 1)
    let blocks = symbols / blockLength
    guard fraction > 0, blocks >= 2 else { return [] }
    let count = min(max(Int((Double(blocks) * fraction).rounded()), 1), blocks - 1)
    var generator = SeededGenerator(seed: seed &+ seedOffset)
    var order = Array(0..<blocks)
    for i in 0..<count {
      // Modulo of a 64-bit draw: a bias below 2^-40 for any realistic block count, and the
      // same choice on every platform (unlike the standard library's `random(in:)`).
      let j = i + Int(generator.next() % UInt64(blocks - i))
      order.swapAt(i, j)
    }
    return order[0..<count].sorted()
  }
}

extension TokenIDs {
  /// The ids of `ranges` (0-based within this split), concatenated into new storage.
  func gathering(_ ranges: [Range<Int>]) -> TokenIDs {
    switch self {
    case .narrow(let ids):
      var out: [UInt16] = []
      out.reserveCapacity(ranges.reduce(0) { $0 + $1.count })
      for r in ranges { out += ids[(ids.startIndex + r.lowerBound)..<(ids.startIndex + r.upperBound)] }
      return .narrow(out)
    case .wide(let ids):
      var out: [UInt32] = []
      out.reserveCapacity(ranges.reduce(0) { $0 + $1.count })
      for r in ranges { out += ids[(ids.startIndex + r.lowerBound)..<(ids.startIndex + r.upperBound)] }
      return .wide(out)
    }
  }
}

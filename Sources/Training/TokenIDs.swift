/// A corpus as token ids, 2 bytes per symbol when the vocabulary fits in UInt16 (V ≤ 65,536),
/// 4 bytes otherwise. Training reads ids through it and never sees text.
public enum TokenIDs: Sendable {
  /// Ids of a vocabulary of at most 65,536 symbols.
  case narrow([UInt16])
  /// Ids of a larger vocabulary.
  case wide([UInt32])

  /// Number of symbols.
  @inlinable public var count: Int {
    switch self {
    case .narrow(let ids): ids.count
    case .wide(let ids): ids.count
    }
  }

  /// The id at position i.
  @inlinable public subscript(i: Int) -> Int32 {
    switch self {
    case .narrow(let ids): Int32(ids[i])
    case .wide(let ids): Int32(bitPattern: ids[i])
    }
  }

  /// The ids in `range`, same width.
  public func slice(_ range: Range<Int>) -> TokenIDs {
    switch self {
    case .narrow(let ids): .narrow(Array(ids[range]))
    case .wide(let ids): .wide(Array(ids[range]))
    }
  }
}

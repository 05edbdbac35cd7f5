/// A corpus as token ids, 2 bytes per symbol when the vocabulary fits in UInt16 (V ≤ 65,536),
/// 4 bytes otherwise. Training reads ids through it and never sees text. Splits share the
/// corpus's storage (array slices), so the train/validation split copies nothing.
public enum TokenIDs: Sendable {
  /// Ids of a vocabulary of at most 65,536 symbols.
  case narrow(ArraySlice<UInt16>)
  /// Ids of a larger vocabulary.
  case wide(ArraySlice<UInt32>)

  /// Ids of a vocabulary of at most 65,536 symbols.
  public static func narrow(_ ids: [UInt16]) -> TokenIDs { .narrow(ids[...]) }
  /// Ids of a larger vocabulary.
  public static func wide(_ ids: [UInt32]) -> TokenIDs { .wide(ids[...]) }

  /// Number of symbols.
  @inlinable public var count: Int {
    switch self {
    case .narrow(let ids): ids.count
    case .wide(let ids): ids.count
    }
  }

  /// Bytes of memory per id: 2 or 4.
  public var bytesPerSymbol: Int {
    switch self {
    case .narrow: MemoryLayout<UInt16>.size
    case .wide: MemoryLayout<UInt32>.size
    }
  }

  /// The id at position i (0-based within this split).
  @inlinable public subscript(i: Int) -> Int32 {
    switch self {
    case .narrow(let ids): Int32(ids[ids.startIndex + i])
    case .wide(let ids): Int32(bitPattern: ids[ids.startIndex + i])
    }
  }

  /// The ids at positions `range` (0-based within this split), sharing storage.
  public func slice(_ range: Range<Int>) -> TokenIDs {
    switch self {
    case .narrow(let ids): .narrow(ids[(ids.startIndex + range.lowerBound)..<(ids.startIndex + range.upperBound)])
    case .wide(let ids): .wide(ids[(ids.startIndex + range.lowerBound)..<(ids.startIndex + range.upperBound)])
    }
  }
}

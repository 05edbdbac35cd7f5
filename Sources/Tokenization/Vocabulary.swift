/// The symbols a tokenizer knows, in id order (ids 0..<V).
///
/// A vocabulary built from text lists its symbols sorted by their UTF-8 bytes (so equal corpora
/// give equal vocabularies on every machine). When `minCount` or `maxVocab` dropped any symbol,
/// one reserved unknown symbol is added as the last id, `unknownID == V − 1`: dropped symbols
/// encode to it. Its display string is U+FFFD "�" (`Vocabulary.unknownDisplay`); it never matches
/// text, not even a real U+FFFD (which, if kept, is an ordinary symbol with its own id).
/// Samplers should never pick `unknownID` (set its logit to −∞), so generated text never shows
/// "�" for it.
public struct Vocabulary: Sendable {
  /// The symbol strings in id order; `symbols[unknownID]` is the unknown symbol's display string.
  public let symbols: [String]
  /// The id that rare symbols map to, or nil when the vocabulary dropped nothing (then symbols
  /// not in the vocabulary are omitted from encodings and reported; see `EncodedText`).
  public let unknownID: Int?
  /// The display string of the unknown symbol: U+FFFD REPLACEMENT CHARACTER.
  public static let unknownDisplay = "\u{FFFD}"

  /// Known symbols (every id except `unknownID`); table index i is id i, or i + 1 from
  /// `unknownID` on.
  let table: SymbolTable
  /// All V symbols' bytes (the unknown symbol's display string included), for decoding.
  let decodeBytes: [UInt8]
  /// Symbol `id` decodes to `decodeBytes[decodeStarts[id]..<decodeStarts[id + 1]]`.
  let decodeStarts: [Int]

  /// The number of symbols V, the unknown symbol included.
  public var count: Int { symbols.count }

  /// Creates a vocabulary from symbol strings in id order, validating them: at least one known
  /// symbol, none empty, no two with the same UTF-8 bytes, `unknownID` in 0..<V. The entry at
  /// `unknownID` is only a display string and is not checked.
  /// - Throws: `.invalidVocabulary` saying which entry is wrong.
  public init(symbols: [String], unknownID: Int?) throws(TokenizationError) {
    if let unknownID, !(0..<symbols.count).contains(unknownID) {
      throw .invalidVocabulary(
        "unknown_id \(unknownID) is not an id of the \(symbols.count)-symbol vocabulary")
    }
    var table = SymbolTable(capacity: symbols.count)
    for (id, symbol) in symbols.enumerated() where id != unknownID {
      let bytes = Array(symbol.utf8)
      if bytes.isEmpty { throw .invalidVocabulary("symbol \(id) is the empty string") }
      if let first = table.index(of: bytes) {
        let firstID = first >= (unknownID ?? Int.max) ? first + 1 : first
        throw .invalidVocabulary("symbols \(firstID) and \(id) are both \(debugQuoted(symbol))")
      }
      table.insert(bytes)
    }
    if table.count == 0 {
      throw .invalidVocabulary("it holds no symbol besides the unknown symbol")
    }
    self.init(symbols: symbols, unknownID: unknownID, table: table)
  }

  private init(symbols: [String], unknownID: Int?, table: SymbolTable) {
    self.symbols = symbols
    self.unknownID = unknownID
    self.table = table
    var bytes: [UInt8] = []
    var starts = [0]
    for symbol in symbols {
      bytes.append(contentsOf: symbol.utf8)
      starts.append(bytes.count)
    }
    self.decodeBytes = bytes
    self.decodeStarts = starts
  }

  /// The id of `symbol` compared by UTF-8 bytes (no normalization), or nil when unknown.
  /// Never returns `unknownID`.
  public func id(of symbol: String) -> Int? {
    let bytes = Array(symbol.utf8)
    guard !bytes.isEmpty, let index = table.index(of: bytes) else { return nil }
    return id(ofTableIndex: index)
  }

  @inline(__always)
  func id(ofTableIndex index: Int) -> Int {
    index >= (unknownID ?? Int.max) ? index + 1 : index
  }
}

extension Vocabulary: Equatable {
  /// Equal when the ids map to the same bytes (not `String` equality, which would merge
  /// canonically equivalent symbols) and the unknown id is the same.
  public static func == (a: Vocabulary, b: Vocabulary) -> Bool {
    a.unknownID == b.unknownID && a.decodeStarts == b.decodeStarts && a.decodeBytes == b.decodeBytes
  }
}

// MARK: - Building from text

extension Vocabulary {
  /// Counts the symbols of `text` and keeps: those seen at least `minCount` times, then, if more
  /// than fit, the most frequent (ties: smaller UTF-8 bytes first) so that V ≤ `maxVocab`, the
  /// unknown symbol included. Kept symbols are sorted by UTF-8 bytes; if anything was dropped the
  /// unknown symbol is appended as id V − 1.
  /// - Throws: `.emptyText`, `.noSymbolKept`, or `.icuFailure`.
  static func build(
    counting text: PreparedText, unit: SymbolUnit, minCount: Int, maxVocab: Int?
  ) throws(TokenizationError) -> Vocabulary {
    precondition(minCount >= 1, "minCount must be at least 1, got \(minCount)")
    precondition(maxVocab.map { $0 >= 1 } ?? true, "maxVocab must be at least 1")
    var seen = SymbolTable(capacity: 1024)
    var counts: [Int] = []
    try text.utf8.withUnsafeBufferPointer { (buffer) throws(TokenizationError) in
      let base = buffer.baseAddress
      try forEachSymbol(in: buffer, unit: unit) { start, end in
        let index = Int(seen.insert(base! + start, count: end - start))
        if index == counts.count { counts.append(1) } else { counts[index] += 1 }
      }
    }
    if seen.count == 0 { throw .emptyText(source: text.source) }

    let byBytes = { (a: Int, b: Int) in
      seen.bytes(of: a).lexicographicallyPrecedes(seen.bytes(of: b))
    }
    var kept = (0..<seen.count).filter { counts[$0] >= minCount }
    var needsUnknown = kept.count < seen.count
    if let maxVocab, kept.count + (needsUnknown ? 1 : 0) > maxVocab {
      needsUnknown = true
      kept.sort { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : byBytes($0, $1) }
      kept.removeLast(kept.count - (maxVocab - 1))
    }
    if kept.isEmpty {
      throw .noSymbolKept(source: text.source, minCount: minCount, maxVocab: maxVocab)
    }
    kept.sort(by: byBytes)

    var table = SymbolTable(capacity: kept.count)
    var symbols: [String] = []
    symbols.reserveCapacity(kept.count + 1)
    for index in kept {
      let bytes = Array(seen.bytes(of: index))
      table.insert(bytes)
      symbols.append(String(decoding: bytes, as: UTF8.self))
    }
    if needsUnknown { symbols.append(unknownDisplay) }
    return Vocabulary(symbols: symbols, unknownID: needsUnknown ? kept.count : nil, table: table)
  }
}

/// `symbol` in quotes with its scalars spelled out, e.g. `"é" (U+0065 U+0301)`.
func debugQuoted(_ symbol: String) -> String {
  let scalars = symbol.unicodeScalars.map { scalar in
    let hex = String(scalar.value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
  }
  return "\"\(symbol)\" (\(scalars.joined(separator: " ")))"
}

/// Text → ids and ids → text with one vocabulary and one set of settings (the unit and the
/// normalization recorded in the model file).
///
///     let text = try PreparedText(bytes, source: "corpus.txt")
///     let tokenizer = try Tokenizer.build(from: text, unit: .grapheme)
///     let encoded = try tokenizer.encode(text, as: UInt16.self)   // encoded.ids: (N)
///     let again = tokenizer.decode(encoded.ids)
public struct Tokenizer: Sendable, Equatable {
  /// The symbols, in id order.
  public let vocabulary: Vocabulary
  /// What one symbol is.
  public let unit: SymbolUnit
  /// The normalization text must have gone through before encoding.
  public let normalization: Normalization

  /// Creates a tokenizer from its parts.
  public init(vocabulary: Vocabulary, unit: SymbolUnit, normalization: Normalization) {
    self.vocabulary = vocabulary
    self.unit = unit
    self.normalization = normalization
  }

  /// Builds the vocabulary of `text` (see `Vocabulary`: sorted by UTF-8 bytes, rare symbols
  /// mapped to one unknown id V − 1). The normalization is the text's own.
  /// - minCount: symbols seen fewer times map to the unknown id (≥ 1; 1 keeps everything).
  /// - maxVocab: at most this many ids V, the unknown id included (≥ 1; nil: no limit).
  /// - Throws: `.emptyText`, `.noSymbolKept`, `.icuFailure`.
  public static func build(
    from text: PreparedText, unit: SymbolUnit = .grapheme, minCount: Int = 1, maxVocab: Int? = nil
  ) throws(TokenizationError) -> Tokenizer {
    let vocabulary = try Vocabulary.build(
      counting: text, unit: unit, minCount: minCount, maxVocab: maxVocab)
    return Tokenizer(vocabulary: vocabulary, unit: unit, normalization: text.normalization)
  }

  /// The vocabulary size V.
  public var count: Int { vocabulary.count }
  /// The id of the unknown symbol, if the vocabulary has one (see `Vocabulary`).
  public var unknownID: Int? { vocabulary.unknownID }

  /// Prepares raw bytes with this tokenizer's normalization (see `PreparedText`).
  public func prepare(_ bytes: [UInt8], source: String, normalizeLineEndings: Bool = true)
    throws(TokenizationError) -> PreparedText
  {
    try PreparedText(
      bytes,
      preparation: TextPreparation(
        normalization: normalization, normalizeLineEndings: normalizeLineEndings),
      source: source)
  }

  /// Whether every id 0..<V fits in `ID` (for `UInt16`: V ≤ 65,536).
  public func idsFit<ID: FixedWidthInteger & UnsignedInteger>(in _: ID.Type) -> Bool {
    UInt64(count - 1) <= UInt64(ID.max)
  }
}

/// The ids of a text, with what was unknown.
///
/// Symbols in the vocabulary become their id. A symbol not in the vocabulary is counted in
/// `unknownCount` and `unknownSymbols`, and then:
/// - when the vocabulary has an `unknownID`, it becomes that id;
/// - otherwise it gets no id: `ids` skips it and `omittedBefore` records where.
/// So `ids` only ever holds valid ids (0..<V), and code that ignores unknowns still works.
public struct EncodedText<ID: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable, Equatable {
  /// The ids in text order: (N), N = symbols of the text − `omittedBefore.count`.
  public var ids: [ID]
  /// How many symbols of the text were not in the vocabulary (mapped to `unknownID`, or omitted).
  public var unknownCount: Int
  /// For every omitted unknown symbol (only when `unknownID` is nil), the index in `ids` of the
  /// id that followed it (`ids.count` when it ended the text); increasing, repeats for adjacent
  /// unknowns. Perplexity uses it to skip the prediction across a gap.
  public var omittedBefore: [Int]
  /// The unknown symbols and how often each occurred (for reports; keys are NFC-equal-merged
  /// `String`s).
  public var unknownSymbols: [String: Int]

  /// The number of symbols in the text, known and unknown.
  public var symbolCount: Int { ids.count + omittedBefore.count }
}

// MARK: - Encoding and decoding

extension Tokenizer {
  /// Encodes prepared text to ids of type `ID` (`UInt16`: 2 bytes per symbol, for V ≤ 65,536;
  /// else `UInt32`). One pass: segment, look up bytes, append; memory is the ids plus a fixed
  /// buffer. The text must be prepared with this tokenizer's normalization (a precondition).
  /// - Throws: `.icuFailure` only (ICU cannot open its break iterator).
  public func encode<ID: FixedWidthInteger & UnsignedInteger & Sendable>(
    _ text: PreparedText, as _: ID.Type = UInt16.self
  ) throws(TokenizationError) -> EncodedText<ID> {
    // A public generic runs unspecialized from other modules (a witness-table call per symbol,
    // measured 2× slower); route the usual id types to code specialized here.
    if ID.self == UInt16.self {
      return try encodeSpecialized(text, as: UInt16.self) as! EncodedText<ID>
    }
    if ID.self == UInt32.self {
      return try encodeSpecialized(text, as: UInt32.self) as! EncodedText<ID>
    }
    return try encodeSpecialized(text, as: ID.self)
  }

  @inline(__always)
  private func encodeSpecialized<ID: FixedWidthInteger & UnsignedInteger & Sendable>(
    _ text: PreparedText, as _: ID.Type
  ) throws(TokenizationError) -> EncodedText<ID> {
    precondition(
      text.normalization == normalization,
      "text prepared with normalization \(text.normalization), tokenizer uses \(normalization)")
    precondition(idsFit(in: ID.self), "\(count) ids do not fit in \(ID.self); use UInt32")
    let table = vocabulary.table
    let unknownID = vocabulary.unknownID
    let unknownIndex = unknownID ?? Int.max
    var ids: [ID] = []
    var omittedBefore: [Int] = []
    var unknownCount = 0
    var unknownBytes: [[UInt8]: Int] = [:]
    try text.utf8.withUnsafeBufferPointer { (buffer) throws(TokenizationError) in
      guard let base = buffer.baseAddress else { return }
      try forEachSymbol(in: buffer, unit: unit) { start, end in
        let index = Int(table.index(of: base + start, count: end - start))
        if index >= 0 {
          ids.append(ID(truncatingIfNeeded: index >= unknownIndex ? index + 1 : index))
          return
        }
        unknownCount += 1
        unknownBytes[
          Array(UnsafeBufferPointer(start: base + start, count: end - start)), default: 0] += 1
        if let unknownID {
          ids.append(ID(truncatingIfNeeded: unknownID))
        } else {
          omittedBefore.append(ids.count)
        }
      }
    }
    var unknownSymbols: [String: Int] = [:]
    for (bytes, n) in unknownBytes {
      unknownSymbols[String(decoding: bytes, as: UTF8.self), default: 0] += n
    }
    return EncodedText(
      ids: ids, unknownCount: unknownCount, omittedBefore: omittedBefore,
      unknownSymbols: unknownSymbols)
  }

  /// Encodes a short string such as a `--prime` text: prepared with this tokenizer's settings
  /// (BOM dropped, line endings to LF, normalization), segmented, looked up; unknowns reported as
  /// in `EncodedText`.
  public func encode<ID: FixedWidthInteger & UnsignedInteger & Sendable>(
    _ string: String, as _: ID.Type = UInt32.self
  ) throws(TokenizationError) -> EncodedText<ID> {
    let text = try PreparedText(
      string, preparation: TextPreparation(normalization: normalization), source: "the text")
    return try encode(text, as: ID.self)
  }

  /// The text of `ids`: their symbols concatenated. The unknown id decodes to U+FFFD.
  /// - Precondition: every id is in 0..<V.
  public func decode<S: Sequence>(_ ids: S) -> String where S.Element: BinaryInteger {
    if let ids = ids as? [UInt16] { return decodeSpecialized(ids) }
    if let ids = ids as? [UInt32] { return decodeSpecialized(ids) }
    if let ids = ids as? [Int] { return decodeSpecialized(ids) }
    return decodeSpecialized(ids)
  }

  @inline(__always)
  private func decodeSpecialized<S: Sequence>(_ ids: S) -> String where S.Element: BinaryInteger {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(ids.underestimatedCount)
    vocabulary.decodeBytes.withUnsafeBufferPointer { all in
      for id in ids {
        let i = Int(id)
        precondition(i >= 0 && i < count, "id \(i) is outside the vocabulary 0..<\(count)")
        bytes.append(
          contentsOf: UnsafeBufferPointer(
            rebasing: all[vocabulary.decodeStarts[i]..<vocabulary.decodeStarts[i + 1]]))
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The string of one id, for streaming output one symbol at a time. The unknown id gives
  /// U+FFFD; samplers should not emit it (see `Vocabulary`).
  /// - Precondition: `id` is in 0..<V.
  public func symbol(for id: Int) -> String {
    precondition(id >= 0 && id < count, "id \(id) is outside the vocabulary 0..<\(count)")
    return vocabulary.symbols[id]
  }
}

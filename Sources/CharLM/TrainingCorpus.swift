import Tokenization
import Training

/// A training text made ready once: prepared (UTF-8 check, BOM, line endings, NFC: one pass),
/// its tokenizer (built from it, or a saved model's), its ids, 2 bytes each when V ≤ 65,536,
/// and the fingerprint of its bytes as read (the training record keeps it).
public struct TrainingCorpus {
  /// The tokenizer the ids are in.
  public let tokenizer: Tokenizer
  /// The whole text's ids, (N).
  public let ids: TokenIDs
  /// Symbols outside the vocabulary: rare ones (minCount, maxVocab) that train as the unknown
  /// symbol, or, for a saved tokenizer, symbols it never saw.
  public let unknownCount: Int
  /// Each symbol outside the vocabulary and how often it occurs.
  public let unknownSymbols: [String: Int]
  /// Size and SHA-256 of the bytes as given (before preparation).
  public let fingerprint: TextFingerprint

  /// A new vocabulary built from `bytes` (`source` names the text in errors).
  public init(bytes: [UInt8], source: String, unit: SymbolUnit = .grapheme, minCount: Int = 1, maxVocab: Int? = nil)
    throws(TokenizationError)
  {
    let prepared = try PreparedText(bytes, preparation: TextPreparation(normalization: .nfc), source: source)
    let tokenizer = try Tokenizer.build(from: prepared, unit: unit, minCount: minCount, maxVocab: maxVocab)
    try self.init(prepared, tokenizer: tokenizer, fingerprint: TextFingerprint(of: bytes))
  }

  /// `bytes` in a saved model's tokenizer (a resumed run).
  public init(bytes: [UInt8], source: String, tokenizer: Tokenizer) throws(TokenizationError) {
    try self.init(
      tokenizer.prepare(bytes, source: source), tokenizer: tokenizer, fingerprint: TextFingerprint(of: bytes))
  }

  private init(_ prepared: PreparedText, tokenizer: Tokenizer, fingerprint: TextFingerprint) throws(TokenizationError)
  {
    (self.tokenizer, self.fingerprint) = (tokenizer, fingerprint)
    if tokenizer.idsFit(in: UInt16.self) {
      let encoded = try tokenizer.encode(prepared, as: UInt16.self)
      (ids, unknownCount, unknownSymbols) = (.narrow(encoded.ids), encoded.unknownCount, encoded.unknownSymbols)
    } else {
      let encoded = try tokenizer.encode(prepared, as: UInt32.self)
      (ids, unknownCount, unknownSymbols) = (.wide(encoded.ids), encoded.unknownCount, encoded.unknownSymbols)
    }
  }

  /// The first N − ⌊N·fraction⌋ ids train, the tail validates (nil when it rounds to none).
  public func split(validationFraction fraction: Double) -> (train: TokenIDs, validation: TokenIDs?) {
    let validationCount = Int((Double(ids.count) * fraction).rounded(.down))
    let cut = ids.count - validationCount
    return (ids.slice(0..<cut), validationCount > 0 ? ids.slice(cut..<ids.count) : nil)
  }
}

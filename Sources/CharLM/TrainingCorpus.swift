import Tokenization
import Training

/// A training text made ready once: prepared (UTF-8 check, BOM, line endings, NFC: one pass),
/// its tokenizer (built from it, or a saved model's), and its ids, 2 bytes each when V ≤ 65,536.
public struct TrainingCorpus {
  /// The tokenizer the ids are in.
  public let tokenizer: Tokenizer
  /// The whole text's ids, (N).
  public let ids: TokenIDs
  /// Symbols outside the vocabulary: rare ones (minCount, maxVocab) that train as the unknown
  /// symbol, or, for a saved tokenizer, symbols it never saw.
  public let unknownCount: Int

  /// A new vocabulary built from `bytes` (`source` names the text in errors).
  public init(bytes: [UInt8], source: String, unit: SymbolUnit = .grapheme, minCount: Int = 1, maxVocab: Int? = nil)
    throws(TokenizationError)
  {
    let prepared = try PreparedText(bytes, preparation: TextPreparation(normalization: .nfc), source: source)
    let tokenizer = try Tokenizer.build(from: prepared, unit: unit, minCount: minCount, maxVocab: maxVocab)
    try self.init(prepared, tokenizer: tokenizer)
  }

  /// `bytes` in a saved model's tokenizer (a resumed run).
  public init(bytes: [UInt8], source: String, tokenizer: Tokenizer) throws(TokenizationError) {
    try self.init(tokenizer.prepare(bytes, source: source), tokenizer: tokenizer)
  }

  private init(_ prepared: PreparedText, tokenizer: Tokenizer) throws(TokenizationError) {
    self.tokenizer = tokenizer
    if tokenizer.idsFit(in: UInt16.self) {
      let encoded = try tokenizer.encode(prepared, as: UInt16.self)
      (ids, unknownCount) = (.narrow(encoded.ids), encoded.unknownCount)
    } else {
      let encoded = try tokenizer.encode(prepared, as: UInt32.self)
      (ids, unknownCount) = (.wide(encoded.ids), encoded.unknownCount)
    }
  }

  /// The first N − ⌊N·fraction⌋ ids train, the tail validates (nil when it rounds to none).
  public func split(validationFraction fraction: Double) -> (train: TokenIDs, validation: TokenIDs?) {
    let validationCount = Int((Double(ids.count) * fraction).rounded(.down))
    let cut = ids.count - validationCount
    return (ids.slice(0..<cut), validationCount > 0 ? ids.slice(cut..<ids.count) : nil)
  }
}

import CICU

/// Everything that can go wrong while turning text into symbols and ids, or while reading a
/// tokenizer back from a model file. Each message says what happened and what to do next.
public enum TokenizationError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The bytes are not UTF-8. `offset` is the byte offset (from 0, counting a BOM if present) of
  /// the first byte of the first ill-formed sequence; `bytes` are up to 4 bytes from there.
  case invalidUTF8(source: String, offset: Int, bytes: [UInt8])
  /// The text holds no symbol at all (empty, or only a byte-order mark).
  case emptyText(source: String)
  /// `minCount` / `maxVocab` dropped every symbol, so the vocabulary would hold only the
  /// unknown symbol.
  case noSymbolKept(source: String, minCount: Int, maxVocab: Int?)
  /// The tokenizer settings JSON (`charlm.tokenizer` in a model file) is unreadable or invalid.
  case invalidSettings(String)
  /// The vocabulary JSON (`charlm.vocab` in a model file) is unreadable or invalid.
  case invalidVocabulary(String)
  /// ICU reported an error (`code` is an ICU `UErrorCode`); usually a broken ICU installation.
  case icuFailure(operation: String, code: Int32)

  /// One line: what happened, then what to do next.
  public var description: String {
    switch self {
    case .invalidUTF8(let source, let offset, let bytes):
      let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }
        .joined(separator: " ")
      return "invalid UTF-8 at byte \(offset) of \(source) (bytes \(hex)): the file is not UTF-8 "
        + "text; convert it with `iconv -f <its encoding> -t UTF-8`"
    case .emptyText(let source):
      return "\(source) holds no text (it is empty or only a byte-order mark): "
        + "give a non-empty UTF-8 text file"
    case .noSymbolKept(let source, let minCount, let maxVocab):
      if let maxVocab, maxVocab < 2 {
        return "a vocabulary of at most \(maxVocab) symbol(s) leaves no room for any symbol of "
          + "\(source) besides the unknown symbol: raise --max-vocab to at least 2"
      }
      return "no symbol of \(source) occurs at least \(minCount) times: lower --min-count"
    case .invalidSettings(let detail):
      return "invalid tokenizer settings (charlm.tokenizer) in the model file: \(detail); "
        + "the file is damaged or was not written by charlm — retrain or re-export the model"
    case .invalidVocabulary(let detail):
      return "invalid vocabulary (charlm.vocab) in the model file: \(detail); "
        + "the file is damaged or was not written by charlm — retrain or re-export the model"
    case .icuFailure(let operation, let code):
      return
        "ICU failed to \(operation) (\(String(cString: cicu_error_name(code))), code \(code)): "
        + "check that the ICU libraries (Debian: libicu72) are installed and not damaged"
    }
  }
}

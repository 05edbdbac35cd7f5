import CICU

/// The Unicode normalization applied to text before it is segmented.
public enum Normalization: String, Sendable, Codable, CaseIterable {
  /// Canonical composition (NFC, through ICU): "e" + U+0301 and "é" become the same symbol.
  case nfc
  /// The text's own code points, unchanged.
  case none
}

/// How raw bytes become a `PreparedText`.
public struct TextPreparation: Sendable, Hashable {
  /// The normalization applied after line endings (default `.nfc`).
  public var normalization: Normalization
  /// Whether CRLF and lone CR become LF (default `true`).
  public var normalizeLineEndings: Bool

  /// Creates preparation options; the defaults are what `charlm train` uses.
  public init(normalization: Normalization = .nfc, normalizeLineEndings: Bool = true) {
    self.normalization = normalization
    self.normalizeLineEndings = normalizeLineEndings
  }
}

/// Text ready for segmentation: valid UTF-8 without a leading BOM, line endings and
/// normalization as its `TextPreparation` asked.
public struct PreparedText: Sendable, Equatable {
  /// The text, UTF-8 bytes.
  public let utf8: [UInt8]
  /// The normalization the text went through; a tokenizer only encodes text prepared with its
  /// own normalization.
  public let normalization: Normalization
  /// The name used for this text in error messages (e.g. a file name).
  public let source: String

  /// Prepares raw bytes: validates UTF-8, drops a leading BOM (EF BB BF), turns CRLF and lone CR
  /// into LF (unless disabled), then normalizes (NFC through ICU unless `.none`).
  /// - Throws: `.invalidUTF8` with the byte offset of the first bad byte in `bytes`.
  public init(
    _ bytes: [UInt8], preparation: TextPreparation = TextPreparation(), source: String
  ) throws(TokenizationError) {
    if let offset = firstInvalidUTF8Offset(bytes) {
      throw .invalidUTF8(
        source: source, offset: offset, bytes: Array(bytes[offset..<min(offset + 4, bytes.count)]))
    }
    try self.init(validUTF8: bytes, preparation: preparation, source: source)
  }

  /// Prepares a string (always valid UTF-8), e.g. a `--prime` text, exactly as a file would be.
  public init(
    _ string: String, preparation: TextPreparation = TextPreparation(), source: String = "the text"
  )
    throws(TokenizationError)
  {
    try self.init(validUTF8: Array(string.utf8), preparation: preparation, source: source)
  }

  init(validUTF8 bytes: [UInt8], preparation: TextPreparation, source: String)
    throws(TokenizationError)
  {
    var text = bytes
    if text.starts(with: [0xEF, 0xBB, 0xBF]) { text.removeFirst(3) }
    if preparation.normalizeLineEndings { normalizeLineEndingsInPlace(&text) }
    if preparation.normalization == .nfc { text = try nfcUTF8(text) }
    self.utf8 = text
    self.normalization = preparation.normalization
    self.source = source
  }

  /// The text as a `String`.
  public var string: String { String(decoding: utf8, as: UTF8.self) }
}

// MARK: - UTF-8 validation

/// The offset of the first byte of the first ill-formed UTF-8 sequence, or nil when `bytes` is
/// UTF-8. Well-formed means Unicode table 3-7: no overlong forms, no surrogates (ED A0..BF), no
/// code point above U+10FFFF, no stray continuation byte, no sequence cut short.
/// (Public so that a caller joining several files can name the file and its own offset.)
public func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
  bytes.withUnsafeBufferPointer { buffer -> Int? in
    let n = buffer.count
    guard let p = buffer.baseAddress else { return nil }
    var i = 0
    while i < n {
      // ASCII fast path, 8 bytes at a time.
      while i + 8 <= n,
        UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0
      {
        i += 8
      }
      if i >= n { break }
      let b0 = p[i]
      if b0 < 0x80 {
        i += 1
        continue
      }
      // The allowed range of the second byte, and the sequence length, by lead byte.
      let length: Int
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      switch b0 {
      case 0xC2...0xDF: length = 2
      case 0xE0:
        length = 3
        low = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED:
        length = 3
        high = 0x9F
      case 0xF0:
        length = 4
        low = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4:
        length = 4
        high = 0x8F
      default: return i  // continuation byte, C0, C1, F5...FF
      }
      guard i + length <= n else { return i }
      guard p[i + 1] >= low && p[i + 1] <= high else { return i }
      for k in 2..<length where p[i + k] & 0xC0 != 0x80 { return i }
      i += length
    }
    return nil
  }
}

// MARK: - Line endings and NFC

/// CRLF → LF and lone CR → LF, in place.
func normalizeLineEndingsInPlace(_ text: inout [UInt8]) {
  guard let first = text.firstIndex(of: 0x0D) else { return }
  let newCount = text.withUnsafeMutableBufferPointer { buffer -> Int in
    let n = buffer.count
    var write = first
    var read = first
    while read < n {
      let byte = buffer[read]
      read += 1
      if byte == 0x0D {
        buffer[write] = 0x0A
        if read < n && buffer[read] == 0x0A { read += 1 }
      } else {
        buffer[write] = byte
      }
      write += 1
    }
    return write
  }
  text.removeLast(text.count - newCount)
}

/// NFC of valid UTF-8 through ICU. `chunk` is the C shim's chunk size in bytes (0: default;
/// tests use small ones to exercise chunk edges).
func nfcUTF8(_ text: [UInt8], chunk: Int = 0) throws(TokenizationError) -> [UInt8] {
  if text.isEmpty { return text }
  var out: UnsafeMutablePointer<UInt8>? = nil
  var outLength: Int64 = 0
  let status = text.withUnsafeBufferPointer {
    cicu_nfc_utf8($0.baseAddress, Int64($0.count), Int64(chunk), &out, &outLength)
  }
  guard status <= 0 else { throw .icuFailure(operation: "normalize text to NFC", code: status) }
  guard let out else { return text }  // already NFC
  defer { cicu_free(out) }
  return Array(UnsafeBufferPointer(start: out, count: Int(outLength)))
}

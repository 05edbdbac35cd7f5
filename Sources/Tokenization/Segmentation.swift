import CICU

/// What one symbol (one model token) is.
public enum SymbolUnit: String, Sendable, Codable, CaseIterable {
  /// An extended grapheme cluster, as ICU 72's character break iterator finds it: what a reader
  /// sees as one character ("é", "🇫🇷", "👨‍👩‍👧", "가", "कि").
  case grapheme
  /// A Unicode scalar value (one code point).
  case scalar
}

/// Calls `body(start, end)` for every symbol of `utf8` in order, with byte offsets into `utf8`
/// (`start..<end`, adjacent ranges covering the whole buffer). `utf8` must be valid UTF-8.
/// Memory: a fixed 32 KiB buffer of boundaries, whatever the text length.
/// - window: bytes ICU sees at once (0: the shim's default); tests use small windows.
/// - icuOnly: every boundary from ICU, without the shim's fast path for code points no rule can
///   join (tests compare the two).
@inline(__always)
func forEachSymbol(
  in utf8: UnsafeBufferPointer<UInt8>, unit: SymbolUnit, window: Int = 0, icuOnly: Bool = false,
  _ body: (_ start: Int, _ end: Int) -> Void
) throws(TokenizationError) {
  guard let base = utf8.baseAddress, utf8.count > 0 else { return }
  switch unit {
  case .scalar:
    var i = 0
    let n = utf8.count
    while i < n {
      let lead = base[i]
      let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
      body(i, i + length)
      i += length
    }
  case .grapheme:
    var status: Int32 = 0
    guard let segmenter = cicu_graphemes_open(base, Int64(utf8.count), Int64(window), icuOnly ? 0 : 1, &status)
    else { throw .icuFailure(operation: "open a grapheme break iterator", code: status) }
    defer { cicu_graphemes_close(segmenter) }
    let capacity = 4096
    withUnsafeTemporaryAllocation(of: Int64.self, capacity: capacity) { ends in
      var start = 0
      while true {
        let count = Int(cicu_graphemes_next(segmenter, ends.baseAddress, Int64(capacity)))
        if count == 0 { break }
        for k in 0..<count {
          let end = Int(ends[k])
          body(start, end)
          start = end
        }
      }
    }
  }
}

/// The symbols of a prepared text as strings, in order (for tests and diagnostics; encoding
/// never builds these strings).
func symbolStrings(of text: PreparedText, unit: SymbolUnit, window: Int = 0, icuOnly: Bool = false)
  throws(TokenizationError) -> [String]
{
  var result: [String] = []
  try text.utf8.withUnsafeBufferPointer { (buffer) throws(TokenizationError) in
    try forEachSymbol(in: buffer, unit: unit, window: window, icuOnly: icuOnly) { start, end in
      result.append(
        String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self))
    }
  }
  return result
}

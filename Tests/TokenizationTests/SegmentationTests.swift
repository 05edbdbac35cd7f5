import Testing

@testable import Tokenization

@Suite("Segmentation into grapheme clusters (ICU 72) and scalars")
struct SegmentationTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let normalization: Normalization
    let graphemes: [String]
    let scalarCount: Int
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(
      name: "ASCII: one symbol per byte", text: "ab c", normalization: .nfc,
      graphemes: ["a", "b", " ", "c"], scalarCount: 4),
    Case(
      name: "decomposed e + U+0301 under NFC: one symbol é, one scalar", text: "e\u{301}x",
      normalization: .nfc, graphemes: ["\u{E9}", "x"], scalarCount: 2),
    Case(
      name: "decomposed e + U+0301 under none: one grapheme, two scalars", text: "e\u{301}x",
      normalization: .none, graphemes: ["e\u{301}", "x"], scalarCount: 3),
    Case(
      name: "ZWJ family 👨‍👩‍👧: one grapheme, five scalars", text: "👨‍👩‍👧", normalization: .nfc,
      graphemes: ["👨‍👩‍👧"], scalarCount: 5),
    Case(
      name: "flags 🇫🇷🇩🇪: regional indicators pair up, two scalars each", text: "🇫🇷🇩🇪",
      normalization: .nfc, graphemes: ["🇫🇷", "🇩🇪"], scalarCount: 4),
    Case(
      name: "odd regional indicator stands alone", text: "🇫🇷🇩", normalization: .nfc,
      graphemes: ["🇫🇷", "🇩"], scalarCount: 3),
    Case(
      name: "skin tone modifier joins its emoji 👍🏽", text: "👍🏽!", normalization: .nfc,
      graphemes: ["👍🏽", "!"], scalarCount: 3),
    // ICU 72 (CLDR 42) keeps a Devanagari conjunct + vowel sign in one cluster.
    Case(
      name: "Devanagari conjunct क्षि (ICU 72): one grapheme, four scalars", text: "क्षि",
      normalization: .nfc, graphemes: ["क्षि"], scalarCount: 4),
    Case(
      name: "Devanagari नमस्ते (ICU 72): न, म, स्ते", text: "नमस्ते", normalization: .nfc,
      graphemes: ["न", "म", "स्ते"], scalarCount: 6),
    Case(
      name: "Hangul jamo ᄀ + ᅡ under NFC: 가, one grapheme, one scalar", text: "\u{1100}\u{1161}",
      normalization: .nfc, graphemes: ["\u{AC00}"], scalarCount: 1),
    Case(
      name: "Hangul jamo ᄀ + ᅡ under none: one grapheme, two scalars", text: "\u{1100}\u{1161}",
      normalization: .none, graphemes: ["\u{1100}\u{1161}"], scalarCount: 2),
    Case(
      name: "CRLF becomes LF first: one symbol", text: "a\r\nb", normalization: .nfc,
      graphemes: ["a", "\n", "b"], scalarCount: 3),
    Case(
      name: "Chinese: one symbol per character", text: "床前明月光", normalization: .nfc,
      graphemes: ["床", "前", "明", "月", "光"], scalarCount: 5),
    Case(
      name: "empty text: no symbols", text: "", normalization: .nfc, graphemes: [], scalarCount: 0),
  ]

  @Test("graphemes and scalars", arguments: cases)
  func segments(_ testCase: Case) throws {
    let graphemes = try symbols(testCase.text, .grapheme, testCase.normalization)
    #expect(graphemes.map(scalarNames) == testCase.graphemes.map(scalarNames))
    let scalars = try symbols(testCase.text, .scalar, testCase.normalization)
    #expect(scalars.count == testCase.scalarCount)
    #expect(scalars.joined() == graphemes.joined(), "both cover the whole text")
  }

  @Test("CR LF stays one grapheme when line endings are kept")
  func crlfGrapheme() throws {
    let text = try PreparedText("a\r\nb", preparation: TextPreparation(normalizeLineEndings: false))
    #expect(try symbolStrings(of: text, unit: .grapheme) == ["a", "\r\n", "b"])
  }

  @Test(
    "windows never split clusters: small ICU windows give the same graphemes, 500 random strings")
  func windows() throws {
    var random = TestRandom(seed: 3)
    for _ in 0..<500 {
      let text = try prepared(randomString(&random, maxScalars: 60), .none)
      let whole = try symbolStrings(of: text, unit: .grapheme)
      // A window at least 4 bytes longer than the longest cluster always holds a boundary
      // (it ends on a code point start, at most 3 bytes back), so nothing is force-cut.
      let longest = whole.map(\.utf8.count).max() ?? 0
      let window = longest + Int.random(in: 4...20, using: &random)
      #expect(
        try symbolStrings(of: text, unit: .grapheme, window: window) == whole,
        "window \(window): \(scalarNames(text.string))")
    }
  }

  /// Around the fast path's edges: its simple code points (ASCII, CR, CJK ideographs, CJK
  /// symbols U+3000–U+3029, fullwidth forms) next to what joins them: combining marks
  /// (U+0300…, U+302A–U+302F, U+FF9E–U+FF9F), variation selectors (U+FE00–U+FE0F,
  /// U+E0100…), ZWJ, emoji, regional indicators, Hangul, Devanagari.
  static let fastPathEdges: [ClosedRange<UInt32>] =
    randomScalarRanges + [
      0x0D...0x0D, 0x0A...0x0A, 0x41...0x43, 0x3000...0x303F, 0x3000...0x303F, 0xFF01...0xFF9F,
      0xFE00...0xFE0F, 0xE0100...0xE0103, 0x4E00...0x4E03, 0x300...0x302, 0x9FFD...0xA000,
    ]

  @Test("the fast path gives ICU's graphemes: 3,000 random strings around its edges, windows too")
  func fastPathMatchesICU() throws {
    var random = TestRandom(seed: 11)
    for round in 0..<3000 {
      // Line endings kept, so CR and CR LF reach the segmenter.
      let text = try PreparedText(
        randomString(&random, maxScalars: 40, ranges: Self.fastPathEdges),
        preparation: TextPreparation(normalization: .none, normalizeLineEndings: false))
      let icu = try symbolStrings(of: text, unit: .grapheme, icuOnly: true)
      #expect(try symbolStrings(of: text, unit: .grapheme) == icu, "\(scalarNames(text.string))")
      if round % 10 == 0 {
        let window = (icu.map(\.utf8.count).max() ?? 0) + Int.random(in: 4...12, using: &random)
        #expect(
          try symbolStrings(of: text, unit: .grapheme, window: window) == icu,
          "window \(window): \(scalarNames(text.string))")
      }
    }
  }

  @Test("the fast path gives ICU's graphemes over 50,000 scalars (many 4,096-boundary batches)")
  func fastPathLongText() throws {
    var random = TestRandom(seed: 12)
    // Mostly ASCII runs (the tight loop), with the edge cases sprinkled in.
    let ranges = Array(repeating: 0x20...0x7E as ClosedRange<UInt32>, count: 30) + Self.fastPathEdges
    let string = (0..<1000).map { _ in randomString(&random, maxScalars: 100, ranges: ranges) }.joined()
    let text = try PreparedText(
      string, preparation: TextPreparation(normalization: .none, normalizeLineEndings: false))
    let icu = try symbolStrings(of: text, unit: .grapheme, icuOnly: true)
    #expect(icu.count > 40_000)
    #expect(try symbolStrings(of: text, unit: .grapheme) == icu)
  }

  @Test("a cluster longer than the window is cut at the window, not lost")
  func forcedCut() throws {
    let text = try prepared("a" + String(repeating: "\u{301}", count: 10) + "b", .none)
    let pieces = try symbolStrings(of: text, unit: .grapheme, window: 8)
    #expect(pieces.joined() == text.string)
    #expect(pieces.last == "b")
  }
}

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

  @Test("a cluster longer than the window is cut at the window, not lost")
  func forcedCut() throws {
    let text = try prepared("a" + String(repeating: "\u{301}", count: 10) + "b", .none)
    let pieces = try symbolStrings(of: text, unit: .grapheme, window: 8)
    #expect(pieces.joined() == text.string)
    #expect(pieces.last == "b")
  }
}

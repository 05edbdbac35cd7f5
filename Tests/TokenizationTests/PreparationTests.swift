import Foundation
import Testing

@testable import Tokenization

@Suite("Text preparation: UTF-8 validation, BOM, line endings, NFC")
struct PreparationTests {
  /// Ill-formed UTF-8 → the offset of the first byte of the first bad sequence.
  struct InvalidCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let offset: Int
    init(_ name: String, _ bytes: [UInt8], _ offset: Int) {
      (self.name, self.bytes, self.offset) = (name, bytes, offset)
    }
    var testDescription: String { "\(name) → offset \(offset)" }
  }

  static let invalidCases: [InvalidCase] = [
    InvalidCase("overlong 2-byte '/' (C0 AF)", [0x61, 0xC0, 0xAF], 1),
    InvalidCase("overlong 3-byte (E0 80 AF)", [0xE0, 0x80, 0xAF], 0),
    InvalidCase("overlong 4-byte (F0 80 80 AF)", [0x41, 0xF0, 0x80, 0x80, 0xAF], 1),
    InvalidCase("surrogate U+D800 encoded (ED A0 80)", [0x61, 0x62, 0xED, 0xA0, 0x80], 2),
    InvalidCase("surrogate U+DFFF encoded (ED BF BF)", [0xED, 0xBF, 0xBF], 0),
    InvalidCase("above U+10FFFF (F4 90 80 80)", [0xF4, 0x90, 0x80, 0x80], 0),
    InvalidCase("lead byte F5", [0x20, 0xF5, 0x80, 0x80, 0x80], 1),
    InvalidCase("byte FF", [0xFF], 0),
    InvalidCase("truncated 3-byte sequence at end", [0x61, 0xE2, 0x82], 1),
    InvalidCase("truncated 4-byte sequence at end", [0x61, 0xF0, 0x9F, 0x98], 1),
    InvalidCase("lead byte then ASCII", [0xC3, 0x41], 0),
    InvalidCase("3-byte sequence broken at its last byte", [0xE2, 0x82, 0x41], 0),
    InvalidCase("stray continuation byte", [0x61, 0x80], 1),
    InvalidCase("stray continuation after a valid é", [0xC3, 0xA9, 0xA9], 2),
    InvalidCase("offset counts a leading BOM", [0xEF, 0xBB, 0xBF, 0x80], 3),
    InvalidCase(
      "bad byte after 1234 ASCII bytes (fast path)", [UInt8](repeating: 0x61, count: 1234) + [0x80],
      1234
    ),
  ]

  @Test("invalid UTF-8 is an error naming the offset", arguments: invalidCases)
  func invalidUTF8(_ testCase: InvalidCase) {
    #expect(firstInvalidUTF8Offset(testCase.bytes) == testCase.offset, "\(testCase.name)")
    #expect(throws: TokenizationError.self) {
      try PreparedText(testCase.bytes, source: "x.txt")
    }
  }

  @Test("the error message says where, and what to do next")
  func invalidUTF8Message() {
    let bytes = [UInt8](repeating: 0x61, count: 1234) + [0xE0, 0x80, 0x80]
    do {
      _ = try PreparedText(bytes, source: "corpus.txt")
      Issue.record("invalid UTF-8 accepted")
    } catch {
      #expect(error == .invalidUTF8(source: "corpus.txt", offset: 1234, bytes: [0xE0, 0x80, 0x80]))
      #expect(
        error.description.hasPrefix("invalid UTF-8 at byte 1234 of corpus.txt (bytes E0 80 80)"))
      #expect(error.description.contains("iconv"))
    }
  }

  @Test(
    "boundary scalars are valid: U+0000, U+007F, U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF"
  )
  func validBoundaries() {
    let scalars: [UInt32] = [
      0, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF,
    ]
    for value in scalars {
      #expect(firstInvalidUTF8Offset(Array(String(Unicode.Scalar(value)!).utf8)) == nil)
    }
  }

  @Test("validator agrees with the standard library on 3000 random byte strings")
  func validatorMatchesStandardLibrary() {
    var random = TestRandom(seed: 7)
    let alphabet: [UInt8] = [
      0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF,
      0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF,
    ]
    for _ in 0..<3000 {
      let bytes = (0..<Int.random(in: 0..<12, using: &random)).map { _ in
        alphabet.randomElement(using: &random)!
      }
      let offset = firstInvalidUTF8Offset(bytes)
      #expect((offset == nil) == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
      if let offset {  // everything before the offset is valid
        #expect(String(validating: bytes[..<offset], as: UTF8.self) != nil, "\(bytes)")
      }
    }
  }

  @Test("a leading BOM is dropped; a BOM elsewhere stays")
  func byteOrderMark() throws {
    #expect(try PreparedText([0xEF, 0xBB, 0xBF, 0x61], source: "x").utf8 == [0x61])
    #expect(try PreparedText([0xEF, 0xBB, 0xBF], source: "x").utf8 == [])
    #expect(
      try PreparedText([0x61, 0xEF, 0xBB, 0xBF], source: "x").utf8 == [0x61, 0xEF, 0xBB, 0xBF])
  }

  static let lineEndingCases: [(input: String, output: String)] = [
    ("a\r\nb", "a\nb"), ("a\rb", "a\nb"), ("a\r\r\nb", "a\n\nb"), ("\r", "\n"), ("\r\n", "\n"),
    ("a\n\rb", "a\n\nb"), ("x\r", "x\n"), ("no breaks", "no breaks"), ("\n\n", "\n\n"),
  ]

  @Test("CRLF and lone CR become LF", arguments: lineEndingCases)
  func lineEndings(_ testCase: (input: String, output: String)) throws {
    let text = try PreparedText(Array(testCase.input.utf8), source: "x")
    #expect(text.utf8 == Array(testCase.output.utf8))
  }

  @Test("line endings stay when normalizeLineEndings is false")
  func lineEndingsKept() throws {
    let options = TextPreparation(normalizeLineEndings: false)
    #expect(
      try PreparedText(Array("a\r\nb\rc".utf8), preparation: options, source: "x").utf8
        == Array("a\r\nb\rc".utf8))
  }

  static let nfcCases: [(name: String, input: String, nfc: String)] = [
    ("e + U+0301 composes to é U+00E9", "e\u{301}", "\u{E9}"),
    ("precomposed é stays", "\u{E9}", "\u{E9}"),
    (
      "combining marks reorder by class (U+0323 before U+0307) and compose", "q\u{307}\u{323}",
      "q\u{323}\u{307}"
    ),
    ("conjoining jamo ᄀ + ᅡ compose to 가 U+AC00", "\u{1100}\u{1161}", "\u{AC00}"),
    ("three jamo ᄀ + ᅡ + ᆨ compose to 각 U+AC01", "\u{1100}\u{1161}\u{11A8}", "\u{AC01}"),
    (
      "Devanagari qa U+0958 decomposes to क + nukta (composition exclusion)", "\u{958}",
      "\u{915}\u{93C}"
    ),
    ("Angstrom sign U+212B becomes Å U+00C5", "\u{212B}", "\u{C5}"),
    ("ASCII and CJK unchanged", "abc 中文", "abc 中文"),
  ]

  @Test("NFC through ICU", arguments: nfcCases)
  func nfc(_ testCase: (name: String, input: String, nfc: String)) throws {
    #expect(try prepared(testCase.input).utf8 == Array(testCase.nfc.utf8), "\(testCase.name)")
    #expect(
      try prepared(testCase.input, .none).utf8 == Array(testCase.input.utf8), "none keeps bytes")
  }

  @Test(
    "chunked NFC equals whole-text NFC and Foundation's NFC, 400 random strings, chunks of 1–16 bytes"
  )
  func nfcChunks() throws {
    var random = TestRandom(seed: 11)
    for _ in 0..<400 {
      let string = randomString(&random, maxScalars: 40)
      let bytes = Array(string.utf8)
      let whole = try nfcUTF8(bytes)
      // Foundation's NFC is the oracle here only (7 MB/s: never in the library).
      #expect(
        whole == Array(string.precomposedStringWithCanonicalMapping.utf8), "\(scalarNames(string))")
      let chunk = Int.random(in: 1...16, using: &random)
      #expect(try nfcUTF8(bytes, chunk: chunk) == whole, "chunk \(chunk): \(scalarNames(string))")
    }
  }
}

import Testing

@testable import Tokenization

@Suite("Encoding and decoding")
struct TokenizerTests {
  static let mixed = """
    The quick brown fox — naïve café, Ærøskøbing.
    床前明月光，疑是地上霜。
    👨‍👩‍👧 🇫🇷 👍🏽 ❤️
    नमस्ते क्षि संस्कृतम्
    한국어 \u{1100}\u{1161}
    """

  @Test(
    "round trip on mixed text, graphemes and scalars, UInt16 and UInt32 ids",
    arguments: SymbolUnit.allCases)
  func roundTrip(unit: SymbolUnit) throws {
    let text = try prepared(Self.mixed)
    let tokenizer = try Tokenizer.build(from: text, unit: unit)
    let short = try tokenizer.encode(text, as: UInt16.self)
    let wide = try tokenizer.encode(text, as: UInt32.self)
    #expect(short.ids.map(UInt32.init) == wide.ids)
    #expect(short.unknownCount == 0)
    #expect(
      Array(tokenizer.decode(short.ids).utf8) == text.utf8, "decode(encode(x)) == x, bytewise")
    #expect(short.ids.map { tokenizer.symbol(for: Int($0)) }.joined().utf8.elementsEqual(text.utf8))
    #expect(short.ids.count == (try symbolStrings(of: text, unit: unit).count))
  }

  @Test("graphemes give fewer symbols than scalars on mixed text")
  func graphemesVersusScalars() throws {
    let text = try prepared(Self.mixed)
    let graphemes = try Tokenizer.build(from: text, unit: .grapheme).encode(text).ids.count
    let scalars = try Tokenizer.build(from: text, unit: .scalar).encode(text).ids.count
    #expect(graphemes < scalars)
  }

  @Test("without an unknown id, unknown symbols are omitted and their positions recorded")
  func omittedUnknowns() throws {
    let tokenizer = try Tokenizer.build(from: prepared("abc"))
    let encoded = try tokenizer.encode(prepared("xaby€€c!"))
    #expect(encoded.ids == [0, 1, 2] as [UInt16])
    #expect(encoded.unknownCount == 5)
    #expect(encoded.omittedBefore == [0, 2, 2, 2, 3])
    #expect(encoded.unknownSymbols == ["x": 1, "y": 1, "€": 2, "!": 1])
    #expect(encoded.symbolCount == 8)
  }

  @Test("prime strings go through the tokenizer's own preparation (CRLF, NFC)")
  func prime() throws {
    let tokenizer = try Tokenizer.build(from: prepared("caf\u{E9}\n"))
    let encoded = try tokenizer.encode("cafe\u{301}\r\n", as: UInt32.self)
    #expect(tokenizer.decode(encoded.ids) == "caf\u{E9}\n")
    #expect(encoded.unknownCount == 0)
    let unknown = try tokenizer.encode("café!", as: UInt32.self)
    #expect(unknown.unknownSymbols == ["!": 1])
  }

  @Test("more than 65,536 ids do not fit UInt16; UInt32 works")
  func idWidth() throws {
    // 70,000 distinct CJK / Hangul / supplementary scalars.
    var scalars = String.UnicodeScalarView()
    for value in UInt32(0x20000)..<UInt32(0x20000 + 70_000) {
      scalars.append(Unicode.Scalar(value)!)
    }
    let text = try prepared(String(scalars), .none)
    let tokenizer = try Tokenizer.build(from: text, unit: .scalar)
    #expect(tokenizer.count == 70_000)
    #expect(!tokenizer.idsFit(in: UInt16.self))
    #expect(tokenizer.idsFit(in: UInt32.self))
    let encoded = try tokenizer.encode(text, as: UInt32.self)
    #expect(encoded.ids == Array(0..<70_000), "sorted by bytes = code point order")
  }

  @Test("2000 random strings round-trip (NFC and none, both units)")
  func randomRoundTrips() throws {
    var random = TestRandom(seed: 42)
    for i in 0..<2000 {
      let normalization: Normalization = i % 2 == 0 ? .nfc : .none
      let unit: SymbolUnit = i % 4 < 2 ? .grapheme : .scalar
      let string = randomString(&random)
      let text = try prepared(string, normalization)
      guard !text.utf8.isEmpty else { continue }
      let tokenizer = try Tokenizer.build(from: text, unit: unit)
      let encoded = try tokenizer.encode(text)
      #expect(Array(tokenizer.decode(encoded.ids).utf8) == text.utf8, "\(scalarNames(string))")
    }
  }
}

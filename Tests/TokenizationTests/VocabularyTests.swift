import Testing

@testable import Tokenization

@Suite("Vocabulary: byte order, minCount, maxVocab, the unknown id")
struct VocabularyTests {
  @Test("symbols are sorted by UTF-8 bytes (= code point order), whatever the text order")
  func byteOrder() throws {
    let tokenizer = try Tokenizer.build(from: prepared("é中b\nA 😀aé"))
    #expect(tokenizer.vocabulary.symbols == ["\n", " ", "A", "a", "b", "\u{E9}", "中", "😀"])
    #expect(tokenizer.unknownID == nil)
    let bytes = tokenizer.vocabulary.symbols.map { Array($0.utf8) }
    #expect(zip(bytes, bytes.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) })
  }

  @Test("the same symbols in any order and any counts give the same vocabulary")
  func determinism() throws {
    let a = try Tokenizer.build(from: prepared("hello, wörld 👋 世界"))
    let b = try Tokenizer.build(from: prepared("界世 👋👋 dlröw ,olleh"))
    #expect(a.vocabulary == b.vocabulary)
    #expect(a.vocabularyJSON() == b.vocabularyJSON())
  }

  @Test("under normalization none, é and e + U+0301 are two symbols (bytes differ)")
  func noneKeepsEquivalentsApart() throws {
    let tokenizer = try Tokenizer.build(from: prepared("\u{E9}e\u{301}", .none))
    #expect(tokenizer.count == 2)
    #expect(tokenizer.vocabulary.id(of: "\u{E9}") != tokenizer.vocabulary.id(of: "e\u{301}"))
    let nfc = try Tokenizer.build(from: prepared("\u{E9}e\u{301}"))
    #expect(nfc.count == 1, "NFC makes them one symbol")
  }

  @Test("minCount: rarer symbols map to one unknown id, the last (V − 1), shown as U+FFFD")
  func minCount() throws {
    let text = try prepared("aaabbc")  // a×3, b×2, c×1
    let tokenizer = try Tokenizer.build(from: text, minCount: 2)
    #expect(tokenizer.vocabulary.symbols == ["a", "b", "\u{FFFD}"])
    #expect(tokenizer.unknownID == 2)
    let encoded = try tokenizer.encode(text)
    #expect(encoded.ids == [0, 0, 0, 1, 1, 2])
    #expect(encoded.unknownCount == 1)
    #expect(encoded.unknownSymbols == ["c": 1])
    #expect(encoded.omittedBefore.isEmpty)
    #expect(tokenizer.symbol(for: 2) == "\u{FFFD}")
    #expect(tokenizer.vocabulary.id(of: "\u{FFFD}") == nil, "the unknown symbol matches no text")
  }

  @Test("maxVocab counts the unknown id; keeps the most frequent, ties broken by byte order")
  func maxVocab() throws {
    let text = try prepared("dddccbbaa")  // d×3, then a, b, c ×2 each
    let tokenizer = try Tokenizer.build(from: text, maxVocab: 3)
    #expect(tokenizer.vocabulary.symbols == ["a", "d", "\u{FFFD}"])
    #expect(try tokenizer.encode(text).unknownCount == 4)
    let all = try Tokenizer.build(from: text, maxVocab: 4)
    #expect(all.vocabulary.symbols == ["a", "b", "c", "d"], "4 symbols fit: no unknown id")
    #expect(all.unknownID == nil)
  }

  @Test("minCount and maxVocab together")
  func both() throws {
    let text = try prepared("aaaabbbccd")
    let tokenizer = try Tokenizer.build(from: text, minCount: 2, maxVocab: 3)
    #expect(tokenizer.vocabulary.symbols == ["a", "b", "\u{FFFD}"])
  }

  @Test("a real U+FFFD in the text is an ordinary symbol, distinct from the unknown id")
  func realReplacementCharacter() throws {
    let text = try prepared("\u{FFFD}\u{FFFD}ab")
    let tokenizer = try Tokenizer.build(from: text, minCount: 2)
    #expect(tokenizer.vocabulary.symbols == ["\u{FFFD}", "\u{FFFD}"])
    #expect(try tokenizer.encode(text).ids == [0, 0, 1, 1])
    let reloaded = try Tokenizer(
      settingsJSON: tokenizer.settingsJSON(), vocabularyJSON: tokenizer.vocabularyJSON())
    #expect(reloaded == tokenizer)
  }

  @Test("errors: empty text, nothing kept")
  func errors() throws {
    #expect(throws: TokenizationError.emptyText(source: "the text")) {
      try Tokenizer.build(from: prepared(""))
    }
    #expect(throws: TokenizationError.noSymbolKept(source: "the text", minCount: 5, maxVocab: nil)) {
      try Tokenizer.build(from: prepared("aab"), minCount: 5)
    }
    #expect(throws: TokenizationError.noSymbolKept(source: "the text", minCount: 1, maxVocab: 1)) {
      try Tokenizer.build(from: prepared("aab"), maxVocab: 1)
    }
  }
}

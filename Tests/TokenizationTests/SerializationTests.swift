import Testing

@testable import Tokenization

@Suite("Model-file JSON: charlm.tokenizer and charlm.vocab")
struct SerializationTests {
  @Test("settings JSON has the documented shape")
  func settingsShape() throws {
    let plain = try Tokenizer.build(from: prepared("ab"))
    #expect(plain.settingsJSON() == #"{"unit":"grapheme","normalization":"nfc","unknown_id":null}"#)
    let rare = try Tokenizer.build(from: prepared("aab", .none), unit: .scalar, minCount: 2)
    #expect(rare.settingsJSON() == #"{"unit":"scalar","normalization":"none","unknown_id":1}"#)
    #expect(rare.vocabularyJSON() == #"["a","�"]"#)
  }

  @Test("round trip keeps bytes exactly (control characters, quotes, decomposed accents)")
  func roundTrip() throws {
    let text = try prepared("a\"b\\c/\n\t\u{0}e\u{301}\u{E9}👨‍👩‍👧 क्षि", .none)
    let tokenizer = try Tokenizer.build(from: text)
    let reloaded = try Tokenizer(
      settingsJSON: tokenizer.settingsJSON(), vocabularyJSON: tokenizer.vocabularyJSON())
    #expect(reloaded == tokenizer)
    #expect(try reloaded.encode(text) == tokenizer.encode(text))
  }

  static let badInputs: [(settings: String, vocabulary: String, message: String)] = [
    (#"{"unit":"word","normalization":"nfc","unknown_id":null}"#, #"["a"]"#, #"unit "word""#),
    (#"{"unit":"grapheme","normalization":"nfkc","unknown_id":null}"#, #"["a"]"#, "normalization"),
    (#"{"unit":"grapheme","normalization":"nfc"}"#, #"["a"]"#, "unknown_id\" is missing"),
    (
      #"{"unit":"grapheme","normalization":"nfc","unknown_id":"x"}"#, #"["a"]"#,
      "neither an integer"
    ),
    ("not json", #"["a"]"#, "not a JSON object"),
    (#"{"unit":"grapheme","normalization":"nfc","unknown_id":2}"#, #"["a","b"]"#, "unknown_id 2"),
    (#"{"unit":"grapheme","normalization":"nfc","unknown_id":-1}"#, #"["a","b"]"#, "unknown_id -1"),
    (
      #"{"unit":"grapheme","normalization":"nfc","unknown_id":null}"#, #"["a","b","a"]"#,
      "symbols 0 and 2"
    ),
    (
      #"{"unit":"grapheme","normalization":"nfc","unknown_id":null}"#, #"["a",""]"#,
      "symbol 1 is the empty"
    ),
    (#"{"unit":"grapheme","normalization":"nfc","unknown_id":0}"#, #"["�"]"#, "no symbol besides"),
    (
      #"{"unit":"grapheme","normalization":"nfc","unknown_id":null}"#, #"["a",3]"#,
      "array of strings"
    ),
  ]

  @Test("invalid JSON gives a clear error", arguments: badInputs)
  func invalid(_ bad: (settings: String, vocabulary: String, message: String)) {
    do {
      _ = try Tokenizer(settingsJSON: bad.settings, vocabularyJSON: bad.vocabulary)
      Issue.record("accepted \(bad.settings) \(bad.vocabulary)")
    } catch {
      #expect(error.description.contains(bad.message), "\(error.description)")
      #expect(error.description.contains("retrain or re-export"))
    }
  }

  @Test("an unknown id anywhere (not only last) is honoured when loading")
  func unknownInTheMiddle() throws {
    let tokenizer = try Tokenizer(
      settingsJSON: #"{"unit":"grapheme","normalization":"nfc","unknown_id":1}"#,
      vocabularyJSON: #"["a","�","b"]"#)
    let encoded = try tokenizer.encode(prepared("abz"))
    #expect(encoded.ids == [0, 2, 1])
    #expect(tokenizer.decode(encoded.ids) == "ab\u{FFFD}")
  }
}

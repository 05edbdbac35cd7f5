import Foundation
import Kernels
import Testing

@testable import Modeling
@testable import SafeTensors

// MARK: - Building hostile files

/// A file with `header` as its JSON header, `data` after it, and the 8-byte length field set
/// to the header's length unless `length` overrides it.
func safetensorsFile(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
  headerBytesFile(Array(header.utf8), data: data, length: length)
}

/// Like ``safetensorsFile(_:data:length:)`` with raw header bytes (for invalid UTF-8).
func headerBytesFile(_ header: [UInt8], data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
  var value = length ?? UInt64(header.count)
  var bytes: [UInt8] = []
  for _ in 0..<8 {
    bytes.append(UInt8(truncatingIfNeeded: value))
    value >>= 8
  }
  return bytes + header + data
}

/// A one-tensor header: `name` → dtype F32 with the given shape and offsets JSON texts.
func entry(_ name: String = "w", dtype: String = "\"F32\"", shape: String = "[2]", offsets: String = "[0,8]") -> String
{
  #"{"\#(name)":{"dtype":\#(dtype),"shape":\#(shape),"data_offsets":\#(offsets)}}"#
}

/// One hostile input and the error it must produce.
struct HostileCase: CustomTestStringConvertible, Sendable {
  var label: String
  var bytes: [UInt8]
  var expected: CheckpointError
  var testDescription: String { label }
}

let eightBytes = [UInt8](repeating: 0, count: 8)
let s = "bad.safetensors"

let hostileCases: [HostileCase] = [
  // Length field.
  HostileCase(label: "empty file", bytes: [], expected: .empty(source: s)),
  HostileCase(
    label: "shorter than 8 bytes", bytes: [1, 0, 0],
    expected: .truncated(source: s, part: .headerLength, expected: 8, available: 3)),
  HostileCase(
    label: "header longer than the file",
    bytes: safetensorsFile("{}", length: 4096) + [UInt8](repeating: 32, count: 98),
    expected: .truncated(source: s, part: .header, expected: 4096, available: 100)),
  HostileCase(
    label: "header length over the cap", bytes: safetensorsFile("{}", length: 100_000_001),
    expected: .headerTooLarge(source: s, length: 100_000_001, limit: 100_000_000)),
  HostileCase(
    label: "header length 2^64-1", bytes: safetensorsFile("{}", length: .max),
    expected: .headerTooLarge(source: s, length: .max, limit: 100_000_000)),
  HostileCase(
    label: "a text file", bytes: Array("hello, this is not a model at all\n".utf8),
    expected: .headerTooLarge(source: s, length: 0x7420_2C6F_6C6C_6568, limit: 100_000_000)),

  // Header text.
  HostileCase(
    label: "empty header", bytes: safetensorsFile(""),
    expected: .malformedHeader(source: s, detail: "invalid JSON at byte 0 of the header: the header is empty")),
  HostileCase(
    label: "only spaces", bytes: safetensorsFile("        "),
    expected: .malformedHeader(source: s, detail: "invalid JSON at byte 0 of the header: the header is empty")),
  HostileCase(
    label: "invalid UTF-8", bytes: headerBytesFile([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]),
    expected: .malformedHeader(source: s, detail: "the header is not valid UTF-8")),
  HostileCase(
    label: "unterminated JSON", bytes: safetensorsFile(#"{"w":"#),
    expected: .malformedHeader(
      source: s, detail: "invalid JSON at byte 5 of the header: unexpected end of the header, expected a value")),
  HostileCase(
    label: "text after the JSON", bytes: safetensorsFile("{} x"),
    expected: .malformedHeader(
      source: s, detail: "invalid JSON at byte 3 of the header: unexpected text after the JSON value")),
  HostileCase(
    label: "NUL padding", bytes: safetensorsFile("{}\0\0"),
    expected: .malformedHeader(
      source: s, detail: "invalid JSON at byte 2 of the header: unexpected text after the JSON value")),
  HostileCase(
    label: "header is an array", bytes: safetensorsFile("[1,2]"),
    expected: .malformedHeader(source: s, detail: "the header is an array, not a JSON object")),
  HostileCase(
    label: "header is a string", bytes: safetensorsFile(#""F32""#),
    expected: .malformedHeader(source: s, detail: "the header is a string, not a JSON object")),
  HostileCase(
    label: "deep nesting", bytes: safetensorsFile(String(repeating: "[", count: 100_000)),
    expected: .malformedHeader(
      source: s, detail: "invalid JSON at byte 64 of the header: nesting deeper than 64 levels")),
  HostileCase(
    label: "lone surrogate", bytes: safetensorsFile(#"{"\ud800x":1}"#),
    expected: .malformedHeader(source: s, detail: "invalid JSON at byte 8 of the header: lone surrogate in \\u escape")),
  HostileCase(
    label: "raw control character in a string", bytes: safetensorsFile("{\"a\u{1}\":1}"),
    expected: .malformedHeader(
      source: s, detail: "invalid JSON at byte 3 of the header: control character inside a string")),
  HostileCase(
    label: "single-quoted key", bytes: safetensorsFile("{'w':1}"),
    expected: .malformedHeader(source: s, detail: "invalid JSON at byte 1 of the header: expected a string key")),
  HostileCase(
    label: "trailing comma", bytes: safetensorsFile(#"{"__metadata__":{},}"#),
    expected: .malformedHeader(source: s, detail: "invalid JSON at byte 19 of the header: expected a string key")),
  HostileCase(
    label: "leading zero number", bytes: safetensorsFile(entry(shape: "[02]")),
    expected: .malformedHeader(
      source: s, detail: "invalid JSON at byte 30 of the header: expected ',' or ']' in an array")),

  // Tensor entries.
  HostileCase(
    label: "entry is a number", bytes: safetensorsFile(#"{"w":3}"#),
    expected: .invalidTensor(source: s, name: "w", detail: "its entry is the number 3, not an object")),
  HostileCase(
    label: "dtype missing", bytes: safetensorsFile(#"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "the field 'dtype' is missing")),
  HostileCase(
    label: "shape missing", bytes: safetensorsFile(#"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#, data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "the field 'shape' is missing")),
  HostileCase(
    label: "offsets missing", bytes: safetensorsFile(#"{"w":{"dtype":"F32","shape":[2]}}"#, data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "the field 'data_offsets' is missing")),
  HostileCase(
    label: "dtype a number", bytes: safetensorsFile(entry(dtype: "32"), data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "'dtype' is the number 32, not a string")),
  HostileCase(
    label: "dtype F16", bytes: safetensorsFile(entry(dtype: #""F16""#, offsets: "[0,4]"), data: [0, 0, 0, 0]),
    expected: .unsupportedDType(source: s, name: "w", dtype: "F16")),
  HostileCase(
    label: "dtype BF16", bytes: safetensorsFile(entry(dtype: #""BF16""#, offsets: "[0,4]"), data: [0, 0, 0, 0]),
    expected: .unsupportedDType(source: s, name: "w", dtype: "BF16")),
  HostileCase(
    label: "dtype I64", bytes: safetensorsFile(entry(dtype: #""I64""#, offsets: "[0,16]")),
    expected: .unsupportedDType(source: s, name: "w", dtype: "I64")),
  HostileCase(
    label: "dtype unknown", bytes: safetensorsFile(entry(dtype: #""f32""#), data: eightBytes),
    expected: .unsupportedDType(source: s, name: "w", dtype: "f32")),
  HostileCase(
    label: "shape an object", bytes: safetensorsFile(entry(shape: "{}"), data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "'shape' is an object, not an array")),
  HostileCase(
    label: "negative dimension", bytes: safetensorsFile(entry(shape: "[-2]"), data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "shape[0] is the number -2, not a non-negative integer")),
  HostileCase(
    label: "fractional dimension", bytes: safetensorsFile(entry(shape: "[2.0]"), data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "shape[0] is the number 2.0, not a non-negative integer")),
  HostileCase(
    label: "exponent dimension", bytes: safetensorsFile(entry(shape: "[1,2e0]"), data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "shape[1] is the number 2e0, not a non-negative integer")),
  HostileCase(
    label: "string dimension", bytes: safetensorsFile(entry(shape: #"["2"]"#), data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "shape[0] is a string, not a non-negative integer")),
  HostileCase(
    label: "boolean dimension", bytes: safetensorsFile(entry(shape: "[true]"), data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "shape[0] is true, not a non-negative integer")),
  HostileCase(
    label: "dimension beyond Int", bytes: safetensorsFile(entry(shape: "[99999999999999999999]"), data: eightBytes),
    expected: .invalidTensor(
      source: s, name: "w", detail: "shape[0] is the number 99999999999999999999, not a non-negative integer")),
  HostileCase(
    label: "element count overflows", bytes: safetensorsFile(entry(shape: "[4294967296,4294967296,0]")),
    expected: .invalidTensor(
      source: s, name: "w", detail: "the shape [4294967296, 4294967296, 0] holds more elements than can be counted")),
  HostileCase(
    label: "byte count overflows", bytes: safetensorsFile(entry(shape: "[2305843009213693952,2]")),
    expected: .invalidTensor(
      source: s, name: "w", detail: "the shape [2305843009213693952, 2] holds more bytes than can be counted")),
  HostileCase(
    label: "one offset", bytes: safetensorsFile(entry(offsets: "[8]"), data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "'data_offsets' is an array, not an array of two integers")),
  HostileCase(
    label: "negative offset", bytes: safetensorsFile(entry(offsets: "[-8,0]"), data: eightBytes),
    expected: .invalidTensor(
      source: s, name: "w",
      detail: "'data_offsets' holds the number -8 and the number 0, not two non-negative integers")),
  HostileCase(
    label: "offsets reversed", bytes: safetensorsFile(entry(offsets: "[8,0]"), data: eightBytes),
    expected: .invalidTensor(source: s, name: "w", detail: "'data_offsets' [8, 0] ends before it begins")),
  HostileCase(
    label: "byte count not shape × 4", bytes: safetensorsFile(entry(shape: "[3]"), data: eightBytes),
    expected: .invalidTensor(
      source: s, name: "w", detail: "'data_offsets' [0, 8] span 8 bytes, but shape [3] of F32 needs 12")),
  HostileCase(
    label: "field twice",
    bytes: safetensorsFile(#"{"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#),
    expected: .invalidTensor(source: s, name: "w", detail: "the field 'dtype' appears twice")),

  // Names and layout.
  HostileCase(
    label: "duplicate name",
    bytes: safetensorsFile(
      #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
      data: eightBytes),
    expected: .duplicateName(source: s, name: "w")),
  HostileCase(
    label: "duplicate name through an escape",
    bytes: safetensorsFile(
      #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\u0077":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
      data: eightBytes),
    expected: .duplicateName(source: s, name: "w")),
  HostileCase(
    label: "canonically equivalent names",
    bytes: safetensorsFile(
      #"{"\u00e9":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e\u0301":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
      data: eightBytes),
    expected: .duplicateName(source: s, name: "e\u{301}")),
  HostileCase(
    label: "tensor beyond the data", bytes: safetensorsFile(entry(offsets: "[0,8]"), data: [0, 0, 0]),
    expected: .truncated(source: s, part: .data, expected: 8, available: 3)),
  HostileCase(
    label: "gap before the first tensor",
    bytes: safetensorsFile(entry(offsets: "[4,12]"), data: eightBytes + [0, 0, 0, 0]),
    expected: .badLayout(source: s, detail: "gap of 4 bytes before tensor 'w' (data bytes 0..<4)")),
  HostileCase(
    label: "gap between tensors",
    bytes: safetensorsFile(
      #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
      data: eightBytes + [0, 0, 0, 0]),
    expected: .badLayout(source: s, detail: "gap of 4 bytes before tensor 'b' (data bytes 4..<8)")),
  HostileCase(
    label: "overlapping tensors",
    bytes: safetensorsFile(
      #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
      data: eightBytes),
    expected: .badLayout(source: s, detail: "tensor 'b' (data bytes 4..<8) overlaps tensor 'a' (ending at 8)")),
  HostileCase(
    label: "same bytes twice",
    bytes: safetensorsFile(
      #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
      data: eightBytes),
    expected: .badLayout(source: s, detail: "tensor 'b' (data bytes 0..<8) overlaps tensor 'a' (ending at 8)")),
  HostileCase(
    label: "bytes after the last tensor", bytes: safetensorsFile(entry(), data: eightBytes + [1, 2, 3]),
    expected: .badLayout(source: s, detail: "3 bytes of data after the last tensor")),
  HostileCase(
    label: "data but no tensors", bytes: safetensorsFile("{}", data: [1]),
    expected: .badLayout(source: s, detail: "1 byte of data after the last tensor")),

  // Metadata.
  HostileCase(
    label: "metadata an array", bytes: safetensorsFile(#"{"__metadata__":["a"]}"#),
    expected: .invalidMetadata(source: s, detail: "it is an array, not an object of strings")),
  HostileCase(
    label: "metadata value a number", bytes: safetensorsFile(#"{"__metadata__":{"charlm.format_version":1}}"#),
    expected: .invalidMetadata(source: s, detail: "the value of 'charlm.format_version' is the number 1, not a string")),
  HostileCase(
    label: "metadata value an object", bytes: safetensorsFile(#"{"__metadata__":{"charlm.config":{"layers":1}}}"#),
    expected: .invalidMetadata(source: s, detail: "the value of 'charlm.config' is an object, not a string")),
  HostileCase(
    label: "metadata key twice", bytes: safetensorsFile(#"{"__metadata__":{"k":"a","k":"b"}}"#),
    expected: .invalidMetadata(source: s, detail: "the key 'k' appears twice")),
  HostileCase(
    label: "metadata twice", bytes: safetensorsFile(#"{"__metadata__":{},"__metadata__":{}}"#),
    expected: .duplicateName(source: s, name: "__metadata__")),
]

// MARK: - Tests

@Suite("SafeTensors archive: hostile input")
struct SafeTensorsHostileInputTests {
  @Test(arguments: hostileCases)
  func hostileInputGivesTheRightError(_ c: HostileCase) {
    #expect(throws: c.expected) { try SafeTensorsArchive.decode(c.bytes, source: s) }
  }

  @Test func metadataMayBeNull() throws {
    let archive = try SafeTensorsArchive.decode(safetensorsFile(#"{"__metadata__":null}"#), source: s)
    #expect(archive == SafeTensorsArchive())
  }

  @Test func unknownFieldsInAnEntryAreIgnored() throws {
    let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":[{}]}}"#
    let archive = try SafeTensorsArchive.decode(safetensorsFile(header, data: [0, 0, 0x80, 0x3F]), source: s)
    #expect(archive.tensors == ["w": TensorData(shape: [1], values: [1])])
  }

  @Test func zeroSizeTensorsMayShareAnOffset() throws {
    let header =
      #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
      + #""c":{"dtype":"F32","shape":[2,0],"data_offsets":[4,4]}}"#
    let archive = try SafeTensorsArchive.decode(safetensorsFile(header, data: [0, 0, 0, 0]), source: s)
    #expect(archive.tensors["c"] == TensorData(shape: [2, 0], values: []))
    #expect(archive.tensors["b"] == TensorData(shape: [1], values: [0]))
  }

  @Test func messagesSayWhatHappenedAndWhatToDo() {
    let truncated = CheckpointError.truncated(
      source: "model.safetensors", part: .header, expected: 4096, available: 100)
    #expect(
      truncated.description
        == "model.safetensors is truncated: header says 4096 bytes but only 100 follow; "
        + "the file was not fully written — use the previous copy or retrain")
    let dtype = CheckpointError.unsupportedDType(source: "m.safetensors", name: "w", dtype: "F16")
    #expect(
      dtype.description
        == "m.safetensors: tensor 'w' has dtype F16, but only F32 is supported; "
        + "convert it to float32 (e.g. tensor.float() in PyTorch) and save the file again")
    for c in hostileCases {
      let message = c.expected.description
      #expect(message.contains(s), "\(c.label): \(message)")
      #expect(!message.contains("\n"), "\(c.label): \(message)")
      #expect(message.contains(";"), "\(c.label): a hint should follow the '; ': \(message)")
    }
  }

  @Test func hostileNamesAreShownOnOneShortLine() {
    let name = "evil\nname" + String(repeating: "x", count: 1000)
    let message = CheckpointError.duplicateName(source: s, name: name).description
    #expect(!message.contains("\n"))
    #expect(message.contains("evil\\nname"))
    #expect(message.count < 300)
  }

  /// Thousands of seeded random mutations of a valid file: decoding either succeeds or throws
  /// a ``CheckpointError`` — never traps — and whatever it accepts re-encodes and decodes to
  /// the same archive. `CHARLM_FUZZ_ITERATIONS` and `CHARLM_FUZZ_SEED` run it longer or
  /// with another seed (e.g. before a release).
  @Test func randomMutationsNeverCrash() throws {
    let environment = ProcessInfo.processInfo.environment
    let iterations = environment["CHARLM_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 4000
    let seed = environment["CHARLM_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5AFE_7E45
    let original = sampleArchive().encoded()
    var headerLength = 0
    for i in (0..<8).reversed() { headerLength = headerLength << 8 | Int(original[i]) }
    var rng = SeededGenerator(seed: seed)
    var accepted = 0
    var rejected = 0
    let jsonBytes = Array(#"{}[],:"0123456789-.eE\ u"#.utf8)
    for _ in 0..<iterations {
      var bytes = original
      for _ in 0..<Int.random(in: 1...3, using: &rng) {
        switch Int.random(in: 0..<7, using: &rng) {
        case 0:  // bit flips anywhere
          let i = Int.random(in: 0..<bytes.count, using: &rng)
          bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 1:  // bit flips in the header, where they matter most
          guard bytes.count > 8 else { break }
          let i = Int.random(in: 8..<min(bytes.count, 8 + headerLength), using: &rng)
          bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 2:  // truncation
          bytes.removeLast(Int.random(in: 0..<bytes.count, using: &rng))
        case 3:  // a random header length, near the real one or anywhere
          var value =
            Bool.random(using: &rng)
            ? UInt64.random(in: 0...UInt64(bytes.count + 16), using: &rng)
            : UInt64.random(in: 0...UInt64.max, using: &rng)
          for i in 0..<min(8, bytes.count) {
            bytes[i] = UInt8(truncatingIfNeeded: value)
            value >>= 8
          }
        case 4:  // insert random bytes
          let at = Int.random(in: 0...bytes.count, using: &rng)
          bytes.insert(
            contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) },
            at: at)
        case 5:  // delete a range
          if bytes.isEmpty { break }
          let at = Int.random(in: 0..<bytes.count, using: &rng)
          bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &rng)))
        default:  // replace a header byte with JSON punctuation or digits
          guard bytes.count > 8 else { break }
          let i = Int.random(in: 8..<min(bytes.count, 8 + headerLength), using: &rng)
          bytes[i] = jsonBytes.randomElement(using: &rng)!
        }
        if bytes.isEmpty { break }
      }
      do {
        let archive = try SafeTensorsArchive.decode(bytes, source: s)
        accepted += 1
        #expect(try SafeTensorsArchive.decode(archive.encoded(), source: s) == archive)
      } catch {
        rejected += 1
        #expect(!error.description.isEmpty)
      }
    }
    // Both outcomes occur, so the mutations neither always break nor never break the file.
    #expect(accepted > iterations / 80)
    #expect(rejected > iterations / 4)
  }
}

import Foundation
import Testing

/// `charlm encode`: the ids train would use, as a `.npy` file (header, dtype, values), and one
/// line for bad input.
struct EncodeTests {
  /// The `.npy` header dict and the payload after it.
  static func parse(_ bytes: [UInt8]) throws -> (header: String, payload: [UInt8]) {
    try #require(bytes.count >= 10 && bytes[0] == 0x93 && Array(bytes[1..<6]) == Array("NUMPY".utf8))
    #expect(bytes[6] == 1 && bytes[7] == 0, "version 1.0")
    let length = Int(bytes[8]) | Int(bytes[9]) << 8
    #expect((10 + length) % 64 == 0, "data starts at a 64-byte boundary")
    return (String(decoding: bytes[10..<(10 + length)], as: UTF8.self), Array(bytes[(10 + length)...]))
  }

  @Test func writesTheModelsIDsAsUInt16() throws {
    let dir = try ScratchDirectory("encode")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    try train(corpus, model: model, steps: 2)
    // Symbols of the corpus and one it never had (☃): that one is left out (no unknown id).
    let text = try dir.write("text.txt", text: "The 👍🏽\u{2603}e")
    let output = dir.path("ids.npy")
    let result = try runOK(["encode", text, "--model", model, "--output", output, "--json"])
    #expect(result.stdout.contains("\"unknown\":1") && result.stderr.contains("1 unknown symbols (\"☃\")"), "\(result)")
    let (header, payload) = try Self.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
    #expect(header.hasPrefix("{'descr': '<u2', 'fortran_order': False, 'shape': (6,), }") && header.hasSuffix("\n"))
    let ids = stride(from: 0, to: payload.count, by: 2).map { Int(payload[$0]) | Int(payload[$0 + 1]) << 8 }
    // One id per grapheme (👍🏽 is one), the same symbol the same id, the snowman left out.
    #expect(ids.count == 6 && ids[2] == ids[5] && Set(ids).count == 5, "\(ids)")
  }

  @Test func badInputIsOneLine() throws {
    let dir = try ScratchDirectory("encode-bad")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    try train(corpus, model: model, steps: 2)
    expectOneLineError(
      try CLIRunner.run(["encode", dir.path("missing.txt"), "--model", model, "--output", dir.path("o.npy")]),
      mentions: ["does not exist"])
    expectOneLineError(
      try CLIRunner.run(["encode", corpus, "--model", model, "--output", dir.path("no/such/dir/o.npy")]),
      mentions: ["o.npy"])
    #expect(!FileManager.default.fileExists(atPath: dir.path("o.npy")))
  }
}

import Foundation
import Modeling
import SafeTensors
import Testing

/// Damaged and doctored model files: `sample`, `perplexity` and `train --resume` each print
/// one clear `Error:` line and exit non-zero. The files are made at test time from a real
/// model (read with `SafeTensorsArchive`, mutated, written), so they track the format.
@Suite struct HostileModelTests {
  struct Mutation: Sendable, CustomTestStringConvertible {
    let name: String
    /// What the error line must contain.
    let mentions: [String]
    /// The damaged file's bytes, from the good file's bytes and archive.
    let make: @Sendable (_ bytes: [UInt8], _ archive: SafeTensorsArchive) throws -> [UInt8]
    var testDescription: String { name }
  }

  /// The good file's header length (bytes 0..<8, little-endian).
  static func headerLength(_ bytes: [UInt8]) -> Int {
    (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
  }

  static func edited(_ archive: SafeTensorsArchive, _ edit: (inout SafeTensorsArchive) throws -> Void) rethrows
    -> [UInt8]
  {
    var copy = archive
    try edit(&copy)
    return copy.encoded()
  }

  static let mutations: [Mutation] = [
    Mutation(name: "bit flip in the header JSON", mentions: ["malformed header"]) { bytes, _ in
      var b = bytes
      b[8] ^= 0x01  // "{" (0x7B) → "z": the header is no longer a JSON object
      return b
    },
    Mutation(name: "bit flip in the header length", mentions: ["header"]) { bytes, _ in
      var b = bytes
      b[5] ^= 0x10  // the length becomes about 2^44: larger than the reader's limit
      return b
    },
    Mutation(name: "bit flip in a tensor name", mentions: ["embedding"]) { bytes, _ in
      var b = bytes
      let header = Array(b[8..<(8 + headerLength(b))])
      let name = Array("\"embedding.weight\"".utf8)
      let at = try #require((0...(header.count - name.count)).first { Array(header[$0..<($0 + name.count)]) == name })
      b[8 + at + 1] ^= 0x20  // "embedding" → "Embedding": that tensor is missing, a stray one appears
      return b
    },
    Mutation(name: "NaN written into the weights", mentions: ["NaN or infinite"]) { bytes, _ in
      var b = bytes
      // The first tensor in the data buffer is embedding.weight; set its first value's exponent bits.
      let data = 8 + headerLength(b)
      b[data + 3] |= 0x7F
      b[data + 2] |= 0xC0
      return b
    },
    Mutation(name: "truncated to 100 bytes", mentions: ["truncated"]) { bytes, _ in Array(bytes.prefix(100)) },
    Mutation(name: "charlm.format_version \"2\"", mentions: ["format version 2", "reads version 1"]) { _, archive in
      edited(archive) { $0.metadata["charlm.format_version"] = "2" }
    },
    Mutation(name: "no charlm metadata (plain safetensors)", mentions: ["not a charlm model", "format_version"]) {
      _, archive in
      edited(archive) { $0.metadata = [:] }
    },
    Mutation(name: "charlm.config not JSON", mentions: ["charlm.config"]) { _, archive in
      edited(archive) { $0.metadata["charlm.config"] = "{\"vocab_size\": " }
    },
    Mutation(name: "charlm.config absurd size", mentions: ["charlm.config", "absurdly large"]) { _, archive in
      edited(archive) {
        $0.metadata["charlm.config"] =
          #"{"cell":"lstm","embedding_size":8,"hidden_size":16777216,"layers":64,"vocab_size":68}"#
      }
    },
    Mutation(name: "missing tensor", mentions: ["rnn.bias_hh_l0", "missing"]) { _, archive in
      edited(archive) { $0.tensors["rnn.bias_hh_l0"] = nil }
    },
    Mutation(name: "misshapen tensor", mentions: ["head.bias", "shape"]) { _, archive in
      try edited(archive) {
        let bias = try #require($0.tensors["head.bias"])
        $0.tensors["head.bias"] = TensorData(shape: [bias.values.count - 1], values: Array(bias.values.dropLast()))
      }
    },
    Mutation(name: "stray tensor", mentions: ["rnn.weight_ih_l1", "not part of"]) { _, archive in
      try edited(archive) { $0.tensors["rnn.weight_ih_l1"] = try #require($0.tensors["rnn.weight_ih_l0"]) }
    },
    Mutation(name: "vocabulary shorter than V", mentions: ["vocabulary has", "symbols but its tensors have"]) {
      _, archive in
      try edited(archive) {
        let vocab = try #require($0.metadata["charlm.vocab"])
        var symbols = try #require(try JSONSerialization.jsonObject(with: Data(vocab.utf8)) as? [String])
        symbols.removeLast()
        $0.metadata["charlm.vocab"] = String(
          decoding: try JSONSerialization.data(withJSONObject: symbols), as: UTF8.self)
      }
    },
    Mutation(name: "vocabulary not a JSON array", mentions: ["invalid tokenizer"]) { _, archive in
      edited(archive) { $0.metadata["charlm.vocab"] = "\"abc\"" }
    },
    // Control characters from the file are escaped: one error is one line, no terminal escapes.
    Mutation(name: "charlm.format_version \"1\\0\"", mentions: ["format version 1\\0"]) { _, archive in
      edited(archive) { $0.metadata["charlm.format_version"] = "1\0" }
    },
    Mutation(name: "a tensor name with ESC and a newline", mentions: ["x\\u{1B}[2J\\nevil"]) { _, archive in
      edited(archive) { $0.tensors["x\u{1B}[2J\nevil"] = TensorData(shape: [1], values: [0]) }
    },
    Mutation(name: "unknown tokenizer unit", mentions: ["invalid tokenizer"]) { _, archive in
      edited(archive) { $0.metadata["charlm.tokenizer"] = #"{"unit":"word","normalization":"nfc","unknown_id":null}"# }
    },
  ]

  /// One trained model shared by every case (trained once, lazily; read-only afterwards, so
  /// sharing it across concurrently running cases is safe).
  nonisolated(unsafe) static let good = trainShared("hostile-models", steps: 3)

  @Test(arguments: mutations)
  func damagedFileFailsWithOneLine(_ mutation: Mutation) throws {
    let (dir, corpus, model) = try Self.good.get()
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))
    let archive = try SafeTensorsArchive.read(from: model)
    let slug = mutation.name.filter { $0.isLetter || $0.isNumber }
    let damaged = try dir.write("\(slug).safetensors", bytes: try mutation.make(bytes, archive))
    for arguments in [
      ["sample", "--model", damaged, "--length", "5"],
      ["perplexity", "--model", damaged, corpus],
      ["train", corpus, "--model", damaged, "--resume", "--steps", "10"],
    ] {
      let result = try CLIRunner.run(arguments)
      let line = expectOneLineError(result, mentions: mutation.mentions)
      if arguments[0] == "perplexity" { print("[hostile model] \(mutation.name) | exit \(result.status) | \(line)") }
    }
  }

  /// A doctored training record: every field is range-checked when read; `train --resume`
  /// refuses with one line naming the field (on b402d5a: crashes, or training uphill).
  @Test(arguments: [
    ("batch_size", "0"), ("seq_length", "-3"), ("val_fraction", "1.5"), ("learning_rate", "-0.002"),
    ("clip", "-1"), ("steps", "0"), ("dropout", "1"), ("eval_every", "-1"),
  ])
  func doctoredRecordOptionIsRefused(field: String, value: String) throws {
    let (dir, corpus, model) = try Self.good.get()
    let bytes = try Self.edited(try SafeTensorsArchive.read(from: model)) {
      let json = try #require($0.metadata["charlm.train"])
      var record = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
      var options = try #require(record["options"] as? [String: Any])
      options[field] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
      record["options"] = options
      $0.metadata["charlm.train"] = String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)
    }
    let doctored = try dir.write("record-\(field).safetensors", bytes: bytes)
    let result = try CLIRunner.run(["train", corpus, "--model", doctored, "--resume", "--steps", "10"])
    expectOneLineError(result, mentions: ["options.\(field) \(value)", "charlm.train"])
  }

  @Test func doctoredRecordStepIsRefused() throws {
    let (dir, corpus, model) = try Self.good.get()
    let bytes = try Self.edited(try SafeTensorsArchive.read(from: model)) {
      let json = try #require($0.metadata["charlm.train"])
      var record = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
      record["step"] = -5
      $0.metadata["charlm.train"] = String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)
    }
    let doctored = try dir.write("record-step.safetensors", bytes: bytes)
    let result = try CLIRunner.run(["train", corpus, "--model", doctored, "--resume", "--steps", "10"])
    expectOneLineError(result, mentions: ["has step -5"])
  }

  /// NaN in the resume state only (`train.parameters`): the model still samples, but a resume
  /// refuses with one line instead of training on NaN.
  @Test func nanResumeStateIsRefused() throws {
    let (dir, corpus, model) = try Self.good.get()
    let bytes = try Self.edited(try SafeTensorsArchive.read(from: model)) {
      let p = try #require($0.tensors["train.parameters"])
      var values = p.values
      values[0] = .nan
      $0.tensors["train.parameters"] = TensorData(shape: p.shape, values: values)
    }
    let damaged = try dir.write("nan-state.safetensors", bytes: bytes)
    try runOK(["sample", "--model", damaged, "--length", "5"])
    let result = try CLIRunner.run(["train", corpus, "--model", damaged, "--resume", "--steps", "10"])
    let line = expectOneLineError(result, mentions: ["cannot resume", "train.parameters", "NaN"])
    print("[hostile model] NaN in train.parameters (--resume) | exit \(result.status) | \(line)")
  }
}

/// Control characters in user-given names reach error lines escaped (one error, one line).
@Suite struct EscapedMessageTests {
  @Test(arguments: ["corpus\nwith newline.txt", "bell\u{07}and\u{1B}[31mred.txt"])
  func aPathWithControlCharactersStaysOneLine(name: String) throws {
    let dir = try ScratchDirectory("escaped")
    let result = try CLIRunner.run(["train", dir.path(name), "--model", dir.path("m.safetensors")] + tinyModel)
    let line = expectOneLineError(result, mentions: ["corpus"])
    #expect(!line.unicodeScalars.contains { $0.value < 0x20 }, "raw control character in \(line.debugDescription)")
  }
}

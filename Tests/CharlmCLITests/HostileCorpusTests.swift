import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Corpora and flags chosen to break things: each either trains or fails with one clear line.
@Suite struct HostileCorpusTests {
  /// 4 KB of seeded random bytes: the error names the first invalid byte's offset, and that
  /// offset is right (the bytes before it are valid UTF-8, no character starts there).
  @Test func randomBytesGiveInvalidUTF8WithOffset() throws {
    let dir = try ScratchDirectory("binary")
    var rng = SplitMix(seed: 99)
    // Start with a little valid text so the offset is not trivially 0.
    let bytes = Array("abc é ".utf8) + (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let path = try dir.write("random.bin", bytes: bytes)
    let result = try CLIRunner.run(["train", path, "--model", dir.path("m.safetensors")] + tinyModel)
    let line = expectOneLineError(result, mentions: ["random.bin", "invalid UTF-8", "byte "])
    print("[hostile corpus] random bytes | \(line)")
    let digits = line.components(separatedBy: "byte ").dropFirst().first?.prefix { $0.isNumber } ?? ""
    let offset = try #require(Int(digits), "no offset in \(line)")
    #expect(String(validating: bytes[..<offset], as: UTF8.self) != nil, "bytes before \(offset) are not valid")
    for length in 1...4 where offset + length <= bytes.count {
      #expect(
        String(validating: bytes[offset..<(offset + length)], as: UTF8.self) == nil, "a character starts at \(offset)")
    }
  }

  /// One symbol repeated: V = 1, every prediction is certain, loss and perplexity are 0 / 1.
  @Test func singleRepeatedSymbolTrains() throws {
    let dir = try ScratchDirectory("one-symbol")
    let corpus = try dir.write("a.txt", text: String(repeating: "a", count: 2_000))
    let model = dir.path("m.safetensors")
    let report = try train(corpus, model: model, steps: 5)
    #expect(report.train_loss.isFinite && report.val_loss.isFinite)
    let scored = try lastJSONLine(
      try runOK(["perplexity", "--model", model, corpus, "--json"]), as: PerplexityReport.self,
      keys: ["chars", "nats_per_char", "bits_per_char", "perplexity", "unknown"])
    #expect(scored.chars == 1_999 && scored.nats_per_char.isFinite && abs(scored.perplexity - 1) < 1e-6)
    let sampled = try runOK(["sample", "--model", model, "--length", "10", "--prime", "aa"])
    #expect(sampled.stdout == "aa" + String(repeating: "a", count: 10) + "\n", "\(sampled)")
    print("[hostile corpus] one symbol | trains: train_loss \(report.train_loss), perplexity \(scored.perplexity)")
  }

  /// 5 MB on one line, no newline at all: tokenizes, trains a few tiny steps, scores.
  @Test func fiveMegabytesOnOneLine() throws {
    let dir = try ScratchDirectory("one-line")
    let piece = "the quick brown fox jumps over the lazy dog, 我们今天去公园散步; "
    let text = String(repeating: piece, count: 5_000_000 / piece.utf8.count + 1)
    let corpus = try dir.write("line.txt", text: text)
    let model = dir.path("m.safetensors")
    let started = Date()
    let result = try runOK(
      ["train", corpus, "--model", model] + tinyModel + ["--steps", "3", "--val-fraction", "0.0001", "--json"],
      timeout: 120)
    let report = try lastJSONLine(result, as: TrainReport.self, keys: ["steps", "train_loss", "val_loss"])
    #expect(report.steps == 3 && report.val_loss.isFinite)
    print("[hostile corpus] 5 MB one line | trains in \(Int(Date().timeIntervalSince(started))) s")
    let short = try dir.write("short.txt", text: String(text.prefix(2_000)))
    try runOK(["perplexity", "--model", model, short])
  }

  /// A text file that cannot be opened. Root opens any file, so the test cannot run as root.
  @Test(
    .enabled(if: getuid() != 0, "runs as root: chmod 000 does not stop root from reading, so there is nothing to test"))
  func unreadableCorpus() throws {
    let dir = try ScratchDirectory("unreadable")
    let corpus = try dir.write("secret.txt", text: Corpus.text())
    chmod(corpus, 0)
    defer { chmod(corpus, 0o644) }
    let result = try CLIRunner.run(["train", corpus, "--model", dir.path("m.safetensors")] + tinyModel)
    expectOneLineError(result, mentions: ["secret.txt", "permission denied"])
  }

  /// Directories where files belong, for every command.
  @Test func directoriesWhereFilesBelong() throws {
    let dir = try ScratchDirectory("dirs")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    try train(corpus, model: model, steps: 2)
    let cases: [(String, [String], [String])] = [
      ("directory as model (sample)", ["sample", "--model", dir.url.path], ["is a directory"]),
      ("directory as model (perplexity)", ["perplexity", "--model", dir.url.path, corpus], ["is a directory"]),
      ("directory as text (perplexity)", ["perplexity", "--model", model, dir.url.path], ["is a directory"]),
      (
        "directory as output (train)", ["train", corpus, "--model", dir.url.path] + tinyModel + ["--steps", "2"],
        ["--model", "is a directory"]
      ),
      (
        "model in a missing directory (train)",
        ["train", corpus, "--model", dir.path("nowhere/m.safetensors")] + tinyModel, ["nowhere", "does not exist"]
      ),
    ]
    for (name, arguments, mentions) in cases {
      let result = try CLIRunner.run(arguments)
      let line = expectOneLineError(result, mentions: mentions)
      print("[hostile corpus] \(name) | \(line)")
    }
  }

  /// Every numeric flag of train, sample and perplexity, out of range: the message names the
  /// flag, the bad value and the allowed range.
  static let flagCases: [(command: String, flag: String, value: String, range: String)] = [
    ("train", "--embedding-size", "0", "between 1 and 65536"),
    ("train", "--hidden-size", "70000", "between 1 and 65536"),
    ("train", "--layers", "65", "between 1 and 64"),
    ("train", "--seq-length", "0", "between 1 and 100000"),
    ("train", "--batch-size", "-3", "between 1 and 100000"),
    ("train", "--learning-rate", "11", "(0, 10]"),
    ("train", "--clip", "0", "(0, ∞)"),
    ("train", "--clip", "nan", "(0, ∞)"),
    ("train", "--steps", "0", "between 1 and 1000000000"),
    ("train", "--max-time", "-5", "(0, ∞) seconds"),
    ("train", "--val-fraction", "1", "[0, 1)"),
    ("train", "--eval-every", "-1", "between 0 and 1000000000"),
    ("train", "--seed", "-1", "0 to 18446744073709551615"),
    ("train", "--threads", "0", "between 1 and 1024"),
    ("train", "--min-count", "0", "at least 1"),
    ("train", "--max-vocab", "1", "between 2 and 16777216"),
    ("sample", "--length", "-1", "between 0 and 1000000000"),
    ("sample", "--temperature", "-0.5", "≥ 0, in [0, ∞)"),
    ("sample", "--top-k", "-1", "at least 0"),
    ("sample", "--top-p", "1.5", "(0, 1]"),
    ("sample", "--seed", "abc", "0 to 18446744073709551615"),
    ("perplexity", "--threads", "2000", "between 1 and 1024"),
    ("sample", "--threads", "-1", "between 1 and 1024"),
    ("bench", "--threads", "0", "between 1 and 1024"),
  ]

  @Test func everyNumericFlagNamesItsRange() throws {
    let dir = try ScratchDirectory("flags")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    for c in Self.flagCases {
      let base: [String] =
        switch c.command {
        case "train": ["train", corpus, "--model", model]
        case "sample": ["sample", "--model", model]
        case "bench": ["bench", corpus]
        default: ["perplexity", "--model", model, corpus]
        }
      let result = try CLIRunner.run(base + [c.flag, c.value])
      let line = expectOneLineError(result, mentions: [c.flag, c.value, c.range], usageAllowed: true)
      print("[flag range] \(c.command) \(c.flag) \(c.value) | \(line)")
    }
  }
}

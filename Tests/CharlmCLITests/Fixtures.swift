import Foundation
import Testing

/// Tiny corpora and shared settings for the end-to-end tests. The texts are made here, never
/// read from the repository's corpora.
enum Corpus {
  /// Pieces of mixed text: English, Chinese, emoji (one with a skin-tone modifier) and accents
  /// written with combining marks (NFC composes them; each is still one symbol).
  static let pieces = [
    "The quick brown fox jumps over the lazy dog. ",
    "我们今天去公园散步。",
    "Café déjà vu, naïve résumé. ",
    "cafe\u{301} and na\u{308}ive, voila\u{300}! ",
    "😀 🎉 👍🏽 ",
    "Hello, world!\n",
    "天气很好，我很高兴。\n",
    "She sells sea shells by the sea shore.\n",
    "一二三四五六七八九十。",
  ]

  /// About `bytes` bytes of text built from ``pieces`` in a fixed pseudo-random order.
  static func text(bytes: Int = 3_500, seed: UInt64 = 42) -> String {
    var state = seed
    var text = ""
    while text.utf8.count < bytes {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      text += pieces[Int((state >> 33) % UInt64(pieces.count))]
    }
    return text
  }
}

/// The tiny model every test trains: fast even in a debug build.
let tinyModel = [
  "--embedding-size", "8", "--hidden-size", "16", "--seq-length", "8", "--batch-size", "2", "--threads", "1",
]

/// Keys `train --json` promises.
struct TrainReport: Decodable {
  let steps: Int
  let train_loss: Double
  let val_loss: Double
  let val_bits_per_char: Double
  let chars_per_second: Double
}

/// Keys `perplexity --json` promises.
struct PerplexityReport: Decodable {
  let chars: Int
  let nats_per_char: Double
  let bits_per_char: Double
  let perplexity: Double
  let unknown: Int
}

/// The last line of standard output, as a JSON object, with every key in `keys` present.
func lastJSONLine<T: Decodable>(
  _ result: CLIResult, as type: T.Type, keys: [String], sourceLocation: SourceLocation = #_sourceLocation
) throws -> T {
  let line = try #require(result.stdoutLines.last, "no standard output\n\(result)", sourceLocation: sourceLocation)
  let data = Data(line.utf8)
  let object = try #require(
    try JSONSerialization.jsonObject(with: data) as? [String: Any], "last line is not a JSON object: \(line)",
    sourceLocation: sourceLocation)
  for key in keys {
    #expect(object[key] != nil, "key \(key) missing from \(line)", sourceLocation: sourceLocation)
  }
  return try JSONDecoder().decode(T.self, from: data)
}

/// Runs `charlm` and requires exit status 0.
@discardableResult
func runOK(
  _ arguments: [String], timeout: Double = 30, sourceLocation: SourceLocation = #_sourceLocation
) throws -> CLIResult {
  let result = try CLIRunner.run(arguments, timeout: timeout)
  try #require(
    result.succeeded, "charlm \(arguments.joined(separator: " ")) failed: \(result)", sourceLocation: sourceLocation)
  return result
}

/// Trains the tiny model on `corpus` into `model` and returns the JSON report.
@discardableResult
func train(
  _ corpus: String, model: String, steps: Int = 20, seed: Int = 1, extra: [String] = [],
  sourceLocation: SourceLocation = #_sourceLocation
) throws -> TrainReport {
  let result = try runOK(
    ["train", corpus, "--model", model] + tinyModel + ["--steps", "\(steps)", "--seed", "\(seed)", "--json"] + extra,
    sourceLocation: sourceLocation)
  return try lastJSONLine(
    result, as: TrainReport.self, keys: ["steps", "train_loss", "val_loss", "val_bits_per_char", "chars_per_second"],
    sourceLocation: sourceLocation)
}

/// A tiny model trained in a directory of its own, shared by the cases of a suite that only read it.
typealias SharedModel = (dir: ScratchDirectory, corpus: String, model: String)

/// Trains a ``SharedModel`` for `steps` steps on ``Corpus/text(bytes:seed:)`` (call it once, from a `static let`).
func trainShared(_ label: String, steps: Int) -> Result<SharedModel, any Error> {
  Result {
    let dir = try ScratchDirectory(label)
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    try train(corpus, model: model, steps: steps)
    return (dir, corpus, model)
  }
}

/// Signs of a crash rather than a handled error.
let crashMarkers = [
  "Fatal error", "Stack dump", "Current stack trace", "backtrace", "Segmentation fault", "💣", "Illegal instruction",
]

/// Requires a handled failure: non-zero exit (not a signal), nothing on standard output,
/// standard error one line `Error: …` containing every string in `mentions` — or, when
/// `usageAllowed` (ArgumentParser's own validation), a first such line followed by its usage block.
/// - Returns: the `Error:` line.
@discardableResult
func expectOneLineError(
  _ result: CLIResult, mentions: [String], usageAllowed: Bool = false,
  sourceLocation: SourceLocation = #_sourceLocation
) -> String {
  #expect(!result.uncaughtSignal, "ended by signal: \(result)", sourceLocation: sourceLocation)
  #expect(result.status != 0, "exited 0: \(result)", sourceLocation: sourceLocation)
  #expect(result.stdout.isEmpty, "unexpected standard output: \(result)", sourceLocation: sourceLocation)
  for marker in crashMarkers {
    #expect(!result.stderr.contains(marker), "crash marker \(marker): \(result)", sourceLocation: sourceLocation)
  }
  let lines = result.stderrLines
  let first = lines.first ?? ""
  #expect(first.hasPrefix("Error: "), "stderr does not start with Error: — \(result)", sourceLocation: sourceLocation)
  for mention in mentions {
    #expect(first.contains(mention), "error line does not mention \(mention): \(first)", sourceLocation: sourceLocation)
  }
  if usageAllowed && lines.count > 1 {
    #expect(lines[1].hasPrefix("Usage: ") || lines[1].hasPrefix("Help: "), "\(result)", sourceLocation: sourceLocation)
    #expect(lines.count <= 4, "usage block longer than expected: \(result)", sourceLocation: sourceLocation)
  } else {
    #expect(lines.count == 1, "stderr is not one line: \(result)", sourceLocation: sourceLocation)
  }
  return first
}

/// Expects the model files at `a` and `b` to hold the same bytes (as `cmp` would) but for the
/// training time and --model that charlm.run records, naming the first tensor byte that differs.
func expectSameBytes(_ a: String, _ b: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
  // Every byte but the training time and --model of charlm.run (see contentsWithoutProvenance).
  let (x, y) = (try contentsWithoutProvenance(a), try contentsWithoutProvenance(b))
  #expect(x.header == y.header, "\(a) and \(b): headers differ", sourceLocation: sourceLocation)
  let firstDifference = zip(x.data, y.data).enumerated().first { $0.element.0 != $0.element.1 }?.offset
  #expect(
    x.data == y.data,
    "\(a) and \(b): tensors differ (\(x.data.count) vs \(y.data.count) bytes, first at byte \(firstDifference ?? -1))",
    sourceLocation: sourceLocation)
}

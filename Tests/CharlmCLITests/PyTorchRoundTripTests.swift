import Foundation
import Testing

/// charlm ⇄ PyTorch through the `charlm_torch` package (python/): PyTorch loads a model charlm
/// trained and scores a text as `charlm perplexity` does; a model PyTorch trained further and
/// saved samples and scores in charlm with the value PyTorch computed, and resumes in charlm.
///
/// scripts/test.sh sets `CHARLM_PYTHON` to its virtual environment's python (torch, safetensors,
/// the package installed), and then the suite always runs: a missing torch fails it. Run by hand
/// without that variable, it uses `python3` with `PYTHONPATH=python` and is skipped (with the
/// comment below) when that python cannot import torch and safetensors.
@Suite(
  .enabled(
    if: PyTorch.required || PyTorch.available,
    "python3 with torch and safetensors is not installed; the PyTorch round trip is not tested"))
struct PyTorchRoundTripTests {
  /// Agreement asked for: 1e-6 relative in nats/char (measured: about 2e-9).
  static let tolerance = 1e-6

  /// Scored text without multi-code-point graphemes (the helper splits code points): every
  /// piece of the tiny corpus but the one with 👍🏽 (emoji + skin-tone modifier).
  static func scoredText() -> String {
    var state: UInt64 = 5
    var text = ""
    let pieces = Corpus.pieces.filter { !$0.contains("😀") }  // the piece with 😀 🎉 👍🏽
    while text.utf8.count < 2_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      text += pieces[Int((state >> 33) % UInt64(pieces.count))]
    }
    return text
  }

  static func charlmPerplexity(_ model: String, _ text: String) throws -> PerplexityReport {
    try lastJSONLine(
      try runOK(["perplexity", "--model", model, text, "--json"]), as: PerplexityReport.self,
      keys: ["chars", "nats_per_char", "bits_per_char", "perplexity", "unknown"])
  }

  static func expectAgreement(_ swift: PerplexityReport, _ python: PerplexityReport, _ label: String) {
    let relative = abs(swift.nats_per_char - python.nats_per_char) / python.nats_per_char
    print(
      "[pytorch] \(label): charlm \(swift.nats_per_char) nats/char, PyTorch \(python.nats_per_char); relative difference \(relative)"
    )
    #expect(swift.chars == python.chars && swift.unknown == python.unknown, "\(label): \(swift) vs \(python)")
    #expect(relative <= tolerance, "\(label): charlm \(swift.nats_per_char) vs PyTorch \(python.nats_per_char)")
  }

  @Test func trainInCharlmScoreAndEditInPyTorch() throws {
    let dir = try ScratchDirectory("pytorch")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let text = try dir.write("text.txt", text: Self.scoredText())
    let model = dir.path("model.safetensors")
    try train(corpus, model: model, steps: 10)

    // 1. PyTorch loads charlm's file and scores like charlm.
    Self.expectAgreement(
      try Self.charlmPerplexity(model, text), try PyTorch.run(["perplexity", model, text]), "charlm-trained model")

    // 2. PyTorch trains 3 Adam steps on charlm's ids of the text and saves; charlm samples it
    //    and agrees on its perplexity.
    let ids = dir.path("text.npy")
    _ = try runOK(["encode", text, "--model", model, "--output", ids])
    let tuned = dir.path("tuned.safetensors")
    _ = try PyTorch.check([
      "train", model, ids, "--output", tuned, "--steps", "3", "--batch-size", "1", "--seq-length", "32",
      "--learning-rate", "0.003", "--val-fraction", "0", "--eval-every", "0",
    ])
    let pythonTuned = try PyTorch.run(["perplexity", tuned, text])
    let sampled = try runOK(["sample", "--model", tuned, "--length", "30", "--prime", "The ", "--seed", "2"])
    #expect(sampled.stdout.hasPrefix("The ") && sampled.stdout.count > 30, "\(sampled)")
    let swiftTuned = try Self.charlmPerplexity(tuned, text)
    Self.expectAgreement(swiftTuned, pythonTuned, "PyTorch-tuned model")
    let before = try Self.charlmPerplexity(model, text)
    #expect(swiftTuned.nats_per_char != before.nats_per_char, "the PyTorch edit changed nothing")

    // The PyTorch file carries the resume state: charlm continues the run from step 3.
    let resumed = try runOK(["train", text, "--model", tuned, "--resume", "--steps", "5", "--quiet", "--json"])
    #expect(resumed.stdout.contains("\"steps\":5"), "\(resumed)")

    // A plain export has none: resume refuses with one line.
    let plain = dir.path("plain.safetensors")
    _ = try PyTorch.check(["export", tuned, plain])
    let refused = try CLIRunner.run(["train", text, "--model", plain, "--resume", "--steps", "20"])
    expectOneLineError(refused, mentions: ["no training state"])
  }
}

/// Runs `python -m charlm_torch`.
enum PyTorch {
  /// The package root, from this file's path.
  static let root: URL = {
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while directory.path != "/"
      && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path)
    {
      directory.deleteLastPathComponent()
    }
    return directory
  }()

  /// The python scripts/test.sh set up (`CHARLM_PYTHON`); when set, the suite must run.
  static let configured: String? = ProcessInfo.processInfo.environment["CHARLM_PYTHON"].flatMap {
    $0.isEmpty ? nil : $0
  }
  static var required: Bool { configured != nil }

  /// True when the python can import torch and safetensors.
  static let available: Bool = (try? python(["-c", "import torch, safetensors"]).status) == 0

  static func python(_ arguments: [String], timeout: Double = 120) throws -> (
    status: Int32, stdout: String, stderr: String
  ) {
    let process = Process()
    if let configured {
      process.executableURL = URL(fileURLWithPath: configured)
      process.arguments = arguments
    } else {
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["python3"] + arguments
      var environment = ProcessInfo.processInfo.environment
      environment["PYTHONPATH"] = root.appendingPathComponent("python").path
      process.environment = environment
    }
    let result = try ShellRunner.capture(process, timeout: timeout)
    return (result.status, result.stdout, result.stderr)
  }

  /// Runs a charlm_torch command and requires it to succeed.
  static func check(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let result = try python(["-m", "charlm_torch"] + arguments)
    try #require(
      result.status == 0, "charlm_torch \(arguments) failed:\n\(result.stderr)", sourceLocation: sourceLocation)
    return result.stdout
  }

  /// Runs a charlm_torch command and decodes its last stdout line.
  static func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> PerplexityReport {
    let stdout = try check(arguments, sourceLocation: sourceLocation)
    let line = try #require(CLIResult.lines(stdout).last, "no output", sourceLocation: sourceLocation)
    return try JSONDecoder().decode(PerplexityReport.self, from: Data(line.utf8))
  }
}

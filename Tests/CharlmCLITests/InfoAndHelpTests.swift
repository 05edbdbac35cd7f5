import ArgumentParser
import Foundation
import Testing

@testable import charlm

/// `charlm info` on a tiny model trained here, and `--help` of every command, against snapshots.
@Suite struct InfoAndHelpTests {
  @Test("info: text snapshot (path replaced), JSON keys, symbol counts of the corpus")
  func info() throws {
    let dir = try ScratchDirectory("info")
    let text = String(repeating: "abca\tbbc  \\ de\n", count: 40)
    let corpus = try dir.write("corpus.txt", text: text)
    let model = dir.path("model.safetensors")
    // The tail split, as the snapshot was made with: its numbers stay a check of that split.
    try train(corpus, model: model, steps: 12, seed: 3, extra: ["--eval-every", "6", "--val-split", "tail", "--quiet"])

    let result = try runOK(["info", model])
    // The compute line names this machine's backend and ISA: checked below, masked here.
    let masked = result.stdout.replacingOccurrences(of: model, with: "<model>")
      .replacingOccurrences(of: dir.url.path, with: "<dir>")
      // The training time, and with its digits the header's size, differ from run to run.
      .replacingOccurrences(of: #"(?m)^(trained +)[0-9.]+ s"#, with: "$1<time> s", options: .regularExpression)
      .replacingOccurrences(
        of: #"(?m)^(file +)[0-9,]+( bytes: .*, header )[0-9,]+$"#, with: "$1<bytes>$2<bytes>",
        options: .regularExpression
      )
      .replacingOccurrences(
        of: #"(?m)^(compute +on this machine: ).*$"#, with: "$1<compute>", options: .regularExpression)
    try Snapshot.expectMatches(masked, named: "info.txt")
    #expect(result.stdout.contains("products "), "info names the backend")

    let json = try runOK(["info", model, "--json"])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    for key in [
      "model", "config", "parameters", "tokenizer", "vocabulary", "symbol_counts", "most_frequent", "training",
      "compute",
    ] {
      #expect(object[key] != nil, "key \(key) missing")
    }
    let vocabulary = try #require(object["vocabulary"] as? [String])
    let counts = try #require(object["symbol_counts"] as? [Int])
    // Counts in id order, of the whole corpus (training and validation parts).
    for (symbol, count) in zip(vocabulary, counts) {
      #expect(count == text.filter { String($0) == symbol }.count, "count of \(symbol.debugDescription)")
    }
    let training = try #require(object["training"] as? [String: Any])
    #expect(training["step"] as? Int == 12)
  }

  @Test("symbols are escaped for display")
  func display() {
    #expect(
      ["\n", " ", "\t", "\\", "\u{7}", "é", "我", "\u{3000}", "\u{200D}", "👍🏽"].map(displaySymbol)
        == ["\\n", "␠", "\\t", "\\\\", "\\u{7}", "é", "我", "\\u{3000}", "\\u{200D}", "👍🏽"])
    #expect(grouped(1_234_567) == "1,234,567" && grouped(12) == "12")
  }

  static let commands: [(String, any ParsableCommand.Type)] = [
    ("charlm", CharLMCommand.self), ("train", TrainCommand.self), ("sample", SampleCommand.self),
    ("perplexity", PerplexityCommand.self), ("info", InfoCommand.self), ("encode", EncodeCommand.self),
    ("plot", PlotCommand.self), ("bench", BenchCommand.self), ("export", ExportCommand.self),
  ]

  /// `charlm <command> --help` at 100 columns, as the snapshots and docs/CLI.md hold it.
  static func helpText(_ command: String) throws -> String {
    let type = try #require(commands.first { $0.0 == command }?.1)
    let text =
      command == "charlm"
      ? CharLMCommand.helpMessage(columns: 100) : CharLMCommand.helpMessage(for: type, columns: 100)
    return text + "\n"
  }

  @Test("--help of every command matches its snapshot", arguments: commands.map(\.0))
  func help(command: String) throws {
    try Snapshot.expectMatches(try Self.helpText(command), named: "help-\(command).txt")
  }
}

/// CHARLM_BACKEND and CHARLM_ISA: each usable value runs and is named; a bad one is one line.
@Suite struct ComputeSelectionTests {
  @Test(
    "a value that names nothing, or a path this machine lacks, is refused in one line",
    arguments: [("CHARLM_BACKEND", "cuda"), ("CHARLM_ISA", "sse9")])
  func refused(variable: String, value: String) throws {
    let result = try CLIRunner.run(["info", "--help"], environment: [variable: value])
    #expect(!result.succeeded)
    #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    #expect(result.stderr.contains("\(variable)=\(value)"), "\(result.stderr)")
  }

  @Test("train names the backend and ISA it was told to use", arguments: ["blas", "portable"])
  func named(choice: String) throws {
    let dir = try ScratchDirectory("compute-\(choice)")
    let corpus = try dir.write("corpus.txt", text: String(repeating: "abcabd\n", count: 60))
    let variable = choice == "blas" ? "CHARLM_BACKEND" : "CHARLM_ISA"
    let result = try CLIRunner.run(
      ["train", corpus, "--model", dir.path("m.safetensors")] + tinyModel + ["--steps", "2", "--eval-every", "0"],
      environment: [variable: choice])
    #expect(result.succeeded, "\(result)")
    let expected = choice == "blas" ? "products OpenBLAS" : "kernels portable"
    #expect(
      result.stderr.contains(expected) || (choice == "blas" && result.stderr.contains("products Accelerate")),
      "\(result.stderr)")
  }
}

import Foundation
import Modeling
import Testing
import Training

@testable import charlm

/// `charlm info`: which weights the file holds and from which step, the text, the command that
/// reproduces the run, time and symbols seen, the size split; `--model` as well as the argument.
@Suite struct InfoProvenanceTests {
  static func infoJSON(_ arguments: [String]) throws -> [String: Any] {
    let result = try runOK(["info", "--json"] + arguments)
    return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  }

  struct Case: Sendable, CustomTestStringConvertible {
    let steps: Int
    let flags: [String]
    var testDescription: String { "--steps \(steps) \(flags.joined(separator: " "))" }
  }

  /// Ends on the grid (best at a grid step), off it (a provisional best may be the current
  /// weights), and without validation (always the current weights).
  static let cases: [Case] = [
    Case(steps: 20, flags: ["--eval-every", "10"]),
    Case(steps: 25, flags: ["--eval-every", "10", "--learning-rate", "0.5"]),
    Case(steps: 25, flags: ["--eval-every", "10", "--learning-rate", "0.01"]),
    Case(steps: 12, flags: ["--val-fraction", "0"]),
  ]

  @Test("the weights' kind, step and loss agree with the run's own report", arguments: cases)
  func weights(c: Case) throws {
    let dir = try ScratchDirectory("info-weights")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    let run = try runOK(
      ["train", corpus, "--model", model, "--steps", "\(c.steps)", "--json", "--quiet"] + tinyModel + c.flags)
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data((run.stdoutLines.last ?? "").utf8)) as? [String: Any])
    let object = try Self.infoJSON([model])
    let weights = try #require(object["weights"] as? [String: Any])
    let training = try #require(object["training"] as? [String: Any])
    let loss = weights["val_loss"] as? Double
    // The file's weights have the loss train reports as the best so far (provisional included).
    #expect(loss == report["best_val_loss"] as? Double, "\(weights) vs \(report)")
    if weights["kind"] as? String == "best" {
      let step = try #require(weights["step"] as? Int)
      #expect(step % 10 == 0 && step <= c.steps, "a best comes from the grid: \(weights)")
      #expect(loss == training["best_val_loss"] as? Double)
    } else {
      #expect(weights["kind"] as? String == "current" && weights["step"] as? Int == c.steps, "\(weights)")
      if let best = training["best_val_loss"] as? Double, let loss { #expect(loss < best, "a provisional best") }
    }
    let text = try runOK(["info", model]).stdout
    let line = try #require(CLIResult.lines(text).first { $0.hasPrefix("weights ") })
    #expect(line.contains(weights["kind"] as? String == "best" ? "the best validation" : "the current ones"), "\(line)")
  }

  @Test("info names the text, the time, the symbols seen and the size split; --model is the argument")
  func lines() throws {
    let dir = try ScratchDirectory("info-lines")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    try train(corpus, model: model, steps: 12, extra: ["--quiet"])
    let text = try runOK(["info", model]).stdout
    #expect(try runOK(["info", "--model", model]).stdout == text)
    let object = try Self.infoJSON(["--model", model])
    let run = try #require(object["run"] as? [String: Any])
    let fingerprint = try #require(run["text"] as? [String: Any])
    #expect(run["text_path"] as? String == corpus)
    #expect(fingerprint["bytes"] as? Int == Corpus.text().utf8.count)
    #expect(run["symbols_seen"] as? Int == 12 * 8 * 2, "steps × T × B")
    #expect((run["training_seconds"] as? Double ?? -1) > 0)
    #expect(run["version"] as? String == "0.1.0")
    let file = try #require(object["file"] as? [String: Int])
    let parameters = try #require(object["parameters"] as? Int)
    #expect(file["bytes"] == (try fileBytes(model)))
    #expect(file["weights_bytes"] == parameters * 4)
    #expect(file["resume_state_bytes"] == 3 * parameters * 4 + 2 * 16 * 2 * 4, "P×3 + h, c (L·B·H each)")
    for label in ["file ", "weights ", "text ", "trained ", "training ", "command "] {
      #expect(CLIResult.lines(text).contains { $0.hasPrefix(label) }, "no \(label)line in\n\(text)")
    }
    let size = try #require(fingerprint["bytes"] as? Int)
    #expect(text.contains("\(corpus), \(size / 1000),\(String(format: "%03d", size % 1000)) bytes, sha256 "), "\(text)")
  }

  @Test(
    "the command line reproduces the run: the same model and state, byte for byte",
    arguments: [
      (["--dropout", "0.1", "--layers", "2"], true),
      // A cosine ends at --steps (a resume to more steps stretches it), so this run is not split.
      (["--warmup", "3", "--lr-schedule", "cosine", "--min-lr", "1e-4", "--val-split", "tail"], false),
      (["--lr-schedule", "step", "--lr-decay", "0.8", "--lr-decay-every", "5", "--patience", "9"], true),
      (["--lr-schedule", "plateau", "--learning-rate", "0.05", "--val-fraction", "0.2"], true),
    ])
  func commandReproduces(flags: [String], split: Bool) throws {
    let dir = try ScratchDirectory("info-command")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    // A split run: the command is the whole run as one invocation.
    try train(corpus, model: model, steps: split ? 10 : 18, extra: ["--eval-every", "4"] + flags)
    if split { try runOK(["train", corpus, "--model", model, "--resume", "--steps", "18", "--quiet"]) }
    let run = try #require(try Self.infoJSON([model])["run"] as? [String: Any])
    var command = try #require(run["command"] as? [String])
    let index = try #require(command.firstIndex(of: "--model"))
    let again = dir.path("again.safetensors")
    command[index + 1] = again
    try runOK(command + ["--quiet"])
    let (a, b) = (try contentsWithoutProvenance(model), try contentsWithoutProvenance(again))
    #expect(a.header == b.header && a.data == b.data, "the command trained another model: \(command)")
  }
}

/// The command line `info` prints reads back, in a POSIX shell, into the same arguments.
@Suite struct TrainCommandLineTests {
  @Test(
    "shell quoting",
    arguments: [
      ("corpus.txt", "corpus.txt"), ("my text.txt", "'my text.txt'"), ("it's", #"'it'\''s'"#), ("", "''"),
      ("dir/a-b_c.txt", "dir/a-b_c.txt"), ("$HOME", "'$HOME'"), ("诗.txt", "'诗.txt'"),
    ])
  func quoting(word: String, quoted: String) throws {
    #expect(TrainCommandLine.shellQuoted(word) == quoted)
    let echoed = try ShellRunner.run("printf '%s' \(quoted)", in: try ScratchDirectory("quoting")).stdout
    #expect(echoed == word)
  }

  @Test("the options alone (info's line for a file without a command): every option in force, and the command's tail")
  func optionFlags() throws {
    var options = TrainingOptions()
    (options.valSplit, options.dropout, options.warmupSteps, options.steps) = (.tail, 0.25, 7, 200)
    let flags = TrainCommandLine.optionFlags(options, valFile: nil, snapshots: nil)
    #expect(
      flags.joined(separator: " ")
        == "--seq-length 64 --batch-size 32 --learning-rate 0.002 --clip 5 --steps 200 --val-fraction 0.1 "
        + "--val-split tail --eval-every 200 --seed 1 --dropout 0.25 --warmup 7")
    let config = ModelConfig(vocabSize: 5, embeddingSize: 4, hiddenSize: 8, layers: 1)
    let command = TrainCommandLine.arguments(
      inputs: ["a.txt"], model: "m.safetensors", config: config, options: options, valFile: nil,
      origin: ["--unit", "grapheme"], snapshots: nil)
    #expect(Array(command.suffix(flags.count)) == flags)
  }
}

import Foundation
import Testing

/// Bad input: one clear `Error:` line on standard error and a non-zero exit, never a crash.
@Suite struct ErrorPathTests {
  /// One way to get it wrong: the command (built in a scratch directory) and what the message
  /// must say.
  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    /// ArgumentParser's own validation errors add a usage block after the `Error:` line.
    var usageAllowed = false
    /// Builds the files it needs in the directory; returns the arguments and the strings the
    /// error line must contain.
    let setUp: @Sendable (ScratchDirectory) throws -> (arguments: [String], mentions: [String])

    var testDescription: String { name }
  }

  /// A real model file, trained on the tiny corpus.
  static func trainedModel(in dir: ScratchDirectory, steps: Int = 3) throws -> (corpus: String, model: String) {
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    try train(corpus, model: model, steps: steps)
    return (corpus, model)
  }

  static let trainFlags = tinyModel + ["--steps", "20"]

  static let cases: [Case] = [
    Case(name: "missing corpus") { dir in
      let path = dir.path("no-such-corpus.txt")
      return (
        ["train", path, "--model", dir.path("m.safetensors")] + trainFlags, ["no-such-corpus.txt", "does not exist"]
      )
    },
    Case(name: "empty corpus") { dir in
      let path = try dir.write("empty.txt", bytes: [])
      return (["train", path, "--model", dir.path("m.safetensors")] + trainFlags, ["empty.txt", "is empty"])
    },
    Case(name: "directory without a text file as corpus") { dir in
      let empty = dir.path("empty-dir")
      try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
      return (
        ["train", empty, "--model", dir.path("m.safetensors")] + trainFlags, ["empty-dir", "holds no regular file"]
      )
    },
    Case(name: "invalid UTF-8") { dir in
      // "héllo " is 7 bytes; 0xFF can never occur in UTF-8.
      let path = try dir.write("latin1.txt", bytes: Array("héllo ".utf8) + [0xFF] + Array(" world\n".utf8))
      return (
        ["train", path, "--model", dir.path("m.safetensors")] + trainFlags, ["invalid UTF-8", "byte 7", "latin1.txt"]
      )
    },
    Case(name: "corpus shorter than one chunk") { dir in
      let path = try dir.write("short.txt", text: "abcdef 我们")
      return (["train", path, "--model", dir.path("m.safetensors")] + trainFlags, ["--batch-size", "--seq-length"])
    },
    Case(name: "--hidden-size 0", usageAllowed: true) { dir in
      let corpus = try dir.write("corpus.txt", text: Corpus.text())
      return (
        ["train", corpus, "--model", dir.path("m.safetensors")] + trainFlags + ["--hidden-size", "0"],
        ["--hidden-size", "0"]
      )
    },
    Case(name: "--val-fraction 1.5", usageAllowed: true) { dir in
      let corpus = try dir.write("corpus.txt", text: Corpus.text())
      return (
        ["train", corpus, "--model", dir.path("m.safetensors")] + trainFlags + ["--val-fraction", "1.5"],
        ["--val-fraction", "1.5"]
      )
    },
    Case(name: "--learning-rate -0.1", usageAllowed: true) { dir in
      let corpus = try dir.write("corpus.txt", text: Corpus.text())
      return (
        ["train", corpus, "--model", dir.path("m.safetensors")] + trainFlags + ["--learning-rate", "-0.1"],
        ["--learning-rate", "-0.1"]
      )
    },
    Case(name: "--top-p 0", usageAllowed: true) { dir in
      (["sample", "--model", dir.path("m.safetensors"), "--top-p", "0"], ["--top-p", "(0, 1]"])
    },
    Case(name: "--temperature -1", usageAllowed: true) { dir in
      (["sample", "--model", dir.path("m.safetensors"), "--temperature", "-1"], ["--temperature", "≥ 0", "-1"])
    },
    Case(name: "unknown flag", usageAllowed: true) { dir in
      let corpus = try dir.write("corpus.txt", text: Corpus.text())
      return (
        ["train", corpus, "--model", dir.path("m.safetensors")] + trainFlags + ["--no-such-flag"], ["--no-such-flag"]
      )
    },
    Case(name: "missing model file") { dir in
      (["sample", "--model", dir.path("absent.safetensors")], ["absent.safetensors", "no such file"])
    },
    Case(name: "truncated model file") { dir in
      let (corpus, model) = try trainedModel(in: dir)
      let bytes = try Data(contentsOf: URL(fileURLWithPath: model))
      let half = try dir.write("half.safetensors", bytes: Array(bytes.prefix(bytes.count / 2)))
      return (["perplexity", "--model", half, corpus], ["half.safetensors", "truncated"])
    },
    Case(name: "text file as model") { dir in
      let corpus = try dir.write("corpus.txt", text: Corpus.text())
      return (["sample", "--model", corpus], ["corpus.txt", "not a safetensors file"])
    },
    Case(name: "--resume without a model file") { dir in
      let corpus = try dir.write("corpus.txt", text: Corpus.text())
      return (
        ["train", corpus, "--model", dir.path("absent.safetensors"), "--resume", "--steps", "20"],
        ["--resume", "absent.safetensors", "does not exist"]
      )
    },
    Case(name: "--resume past the requested steps") { dir in
      let (corpus, model) = try trainedModel(in: dir, steps: 5)
      return (["train", corpus, "--model", model, "--resume", "--steps", "5"], ["already reached step 5", "--steps"])
    },
    Case(name: "missing text for perplexity") { dir in
      let (_, model) = try trainedModel(in: dir)
      return (["perplexity", "--model", model, dir.path("absent.txt")], ["absent.txt", "does not exist"])
    },
  ]

  @Test(arguments: cases)
  func failsWithOneLine(_ errorCase: Case) throws {
    let dir = try ScratchDirectory("error")
    let (arguments, mentions) = try errorCase.setUp(dir)
    let result = try CLIRunner.run(arguments)
    let line = expectOneLineError(result, mentions: mentions, usageAllowed: errorCase.usageAllowed)
    // The exact lines, for the record (`swift test` shows standard output).
    print("[charlm error] \(errorCase.name) | exit \(result.status) | \(result.stderrLines.count) line(s) | \(line)")
  }
}

import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `train --model` never replaces what a user made: only an absent path, an empty file or a
/// charlm model (with --overwrite) is written; everything else is refused before training with
/// one line and left as it was. On b402d5a each of these was replaced or failed at the first save.
@Suite struct ModelPathTests {
  /// What a test puts at the model path before training.
  enum Occupant: String, CaseIterable, CustomTestStringConvertible {
    case corpusItself, textFile, fifo, symlink, device, trailingSlash, empty, overlongName
    var testDescription: String { rawValue }
  }

  /// The `--model` argument for `occupant` in `dir` (made there), and what the error must mention.
  static func prepare(_ occupant: Occupant, in dir: ScratchDirectory, corpus: String) throws -> (String, String)? {
    switch occupant {
    case .corpusItself: return (corpus, "not a charlm model")
    case .textFile: return (try dir.write("notes.txt", text: "my notes\n"), "not a charlm model")
    case .fifo:
      let path = dir.path("pipe")
      try #require(mkfifo(path, 0o600) == 0)
      return (path, "a FIFO")
    case .symlink:
      let path = dir.path("link")
      try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: corpus)
      return (path, "symbolic link")
    case .device:
      // A device node made here (needs root; skipped otherwise): a copy of the null device's numbers.
      let path = dir.path("device")
      guard mknod(path, S_IFCHR | 0o600, dev_t(1 << 8 | 3)) == 0 else { return nil }
      return (path, "a device")
    case .trailingSlash: return (dir.path("newdir") + "/", "names a directory")
    case .empty: return ("", "--model is empty")
    case .overlongName: return (dir.path(String(repeating: "m", count: 250)), "cannot be saved")
    }
  }

  /// A snapshot of a path's kind and bytes (not following links), to see that it was left alone.
  static func fingerprint(_ path: String) -> String {
    var info = stat()
    guard !path.isEmpty, lstat(path, &info) == 0 else { return "absent" }
    let kind = info.st_mode & S_IFMT
    guard kind == S_IFREG else { return "kind \(kind)" }
    return "file \((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())"
  }

  @Test(arguments: Occupant.allCases)
  func refusedBeforeTrainingAndLeftAlone(occupant: Occupant) throws {
    let dir = try ScratchDirectory("model-path")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    guard let (model, mention) = try Self.prepare(occupant, in: dir, corpus: corpus) else { return }
    let before = Self.fingerprint(model)
    for extra in [[], ["--overwrite"]] {
      let result = try CLIRunner.run(["train", corpus, "--model", model] + tinyModel + ["--steps", "5"] + extra)
      expectOneLineError(result, mentions: [mention])
      #expect(Self.fingerprint(model) == before, "\(occupant) changed")
    }
    #expect(try String(contentsOfFile: corpus, encoding: .utf8) == Corpus.text(), "the corpus changed")
    let strays = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasSuffix(".lock") }
    #expect(strays.isEmpty, "a refused run left \(strays)")
  }

  /// An empty file (as `mktemp` makes) holds nothing to lose: training writes the model there.
  @Test func anEmptyFileIsUsed() throws {
    let dir = try ScratchDirectory("model-empty")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = try dir.write("m.safetensors", bytes: [])
    try train(corpus, model: model, steps: 3)
  }

  /// Bare file names in the working directory, one character long among them (Foundation's
  /// `NSString.deletingLastPathComponent` traps on those; `--model f` crashed the path check).
  @Test(arguments: ["f", "m.safetensors"])
  func aBareNameInTheWorkingDirectoryIsWritten(name: String) throws {
    let dir = try ScratchDirectory("model-bare")
    _ = try dir.write("corpus.txt", text: Corpus.text())
    let result = try CLIRunner.run(
      ["train", "corpus.txt", "--model", name] + tinyModel + ["--steps", "2", "--quiet"], in: dir.url.path)
    #expect(result.status == 0 && !result.uncaughtSignal, "\(result)")
    #expect(FileManager.default.fileExists(atPath: dir.path(name)))
    #expect(FileManager.default.fileExists(atPath: dir.path(".\(name).lock")))
  }

  /// A new run over an existing model (forgot --resume) is refused with the step it holds, and
  /// neither the model nor its metrics log is touched; --overwrite starts over.
  @Test func anExistingModelNeedsResumeOrOverwrite() throws {
    let dir = try ScratchDirectory("model-exists")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    let log = model + ".metrics.jsonl"
    try train(corpus, model: model, steps: 12)
    let (modelBefore, logBefore) = (Self.fingerprint(model), Self.fingerprint(log))
    let refused = try CLIRunner.run(["train", corpus, "--model", model] + tinyModel + ["--steps", "5"])
    let line = expectOneLineError(refused, mentions: ["already holds a model at step 12", "--resume", "--overwrite"])
    print("[model exists] \(line)")
    #expect(Self.fingerprint(model) == modelBefore && Self.fingerprint(log) == logBefore)
    let both = try CLIRunner.run(["train", corpus, "--model", model, "--resume", "--overwrite"])
    expectOneLineError(both, mentions: ["--resume", "--overwrite"], usageAllowed: true)
    let report = try train(corpus, model: model, steps: 4, extra: ["--overwrite"])
    #expect(report.steps == 4)
  }

  /// A metrics log path that is not a regular file (a FIFO) is refused, not opened.
  @Test func aSpecialMetricsLogIsRefused() throws {
    let dir = try ScratchDirectory("metrics-fifo")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    try #require(mkfifo(model + ".metrics.jsonl", 0o600) == 0)
    let result = try CLIRunner.run(["train", corpus, "--model", model] + tinyModel + ["--steps", "5"])
    expectOneLineError(result, mentions: ["metrics.jsonl is not a regular file", "--no-metrics"])
    #expect(!FileManager.default.fileExists(atPath: model))
  }

  /// Two runs on one model: the second is refused while the first runs, naming the first's pid
  /// (on b402d5a both said "saved" and their metrics lines mixed).
  @Test func aSecondRunOnTheSameModelIsRefused() throws {
    let dir = try ScratchDirectory("model-lock")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    let first = try CLIRunner.start(["train", corpus, "--model", model] + tinyModel + ["--steps", "1000000"])
    let started = first.poll(timeout: 30) { first.stderrSoFar.contains("step ") }
    try #require(started, "the first run did not start: \(first.stderrSoFar)")
    for extra in [["--overwrite"], ["--resume"], []] {
      let second = try CLIRunner.run(["train", corpus, "--model", model, "--steps", "5", "--threads", "1"] + extra)
      let line = expectOneLineError(second, mentions: ["in use by another charlm train (pid "])
      if extra.isEmpty { print("[lock] \(line)") }
    }
    first.send(SIGINT)
    _ = try first.wait(timeout: 20)
    // Once the first has ended, the lock is free again.
    try runOK(["train", corpus, "--model", model, "--resume", "--steps", "1000001", "--max-time", "0.5", "--quiet"])
  }
}

/// The other outputs (`encode --output`, `plot --output`) never replace a file that is not
/// theirs either: the corpus, a text file or a FIFO is refused; their own kind is replaced.
@Suite struct OutputPathTests {
  nonisolated(unsafe) static let trained = trainShared("output-paths", steps: 3)

  @Test(arguments: ["encode", "plot"])
  func otherOutputsRefuseForeignFiles(command: String) throws {
    let (dir, corpus, model) = try Self.trained.get()
    let fifo = dir.path("\(command)-pipe")
    _ = mkfifo(fifo, 0o600)
    let notes = try dir.write("\(command)-notes.txt", text: "mine\n")
    func run(_ output: String) throws -> CLIResult {
      command == "encode"
        ? try CLIRunner.run(["encode", corpus, "--model", model, "--output", output])
        : try CLIRunner.run(["plot", model + ".metrics.jsonl", "--output", output])
    }
    for target in [corpus, notes, fifo] {
      expectOneLineError(try run(target), mentions: ["--output", "refusing to replace it"])
    }
    #expect(try String(contentsOfFile: notes, encoding: .utf8) == "mine\n")
    let own = dir.path("\(command)-own.out")
    _ = try run(own)
    let again = try run(own)
    #expect(again.succeeded, "its own output is not replaced: \(again)")
  }
}

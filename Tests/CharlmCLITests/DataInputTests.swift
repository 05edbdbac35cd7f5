import Foundation
import Testing

/// Data in: several inputs joined, `-` for standard input, --val-file, --val-split, and
/// perplexity on several files and per line.
@Suite struct DataInputTests {
  /// Two halves of the tiny corpus, the first without a final newline (the join adds one).
  static let first = "The quick brown fox jumps over the lazy dog. 我们今天去公园散步。" + Corpus.text(bytes: 1_700, seed: 7)
  static let second = Corpus.text(bytes: 1_800, seed: 9)
  static var joined: String { (first.hasSuffix("\n") ? first : first + "\n") + second }

  /// `charlm train` with the tiny model, its JSON report and standard error.
  static func trainJSON(_ arguments: [String], stdin: Data? = nil) throws -> (report: TrainReport, stderr: String) {
    let result = try CLIRunner.run(
      ["train"] + arguments + tinyModel + ["--steps", "8", "--eval-every", "4", "--json"], stdin: stdin)
    try #require(result.succeeded, "\(result)")
    let report = try lastJSONLine(result, as: TrainReport.self, keys: ["val_loss"])
    return (report, result.stderr)
  }

  @Test(
    "a.txt b.txt, a directory (names in byte order, hidden files and subdirectories skipped) and - all train as the joined text"
  )
  func severalInputsJoin() throws {
    let dir = try ScratchDirectory("data-join")
    let joined = try dir.write("joined.txt", text: Self.joined)
    let (a, b) = (try dir.write("b-first.txt", text: Self.first), try dir.write("a-second.txt", text: Self.second))
    let folder = dir.path("folder")
    try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
    // Byte order: "A" (0x41) before "a" (0x61), whatever the locale says.
    _ = try dir.write("folder/A.txt", text: Self.first)
    _ = try dir.write("folder/a.txt", text: Self.second)
    _ = try dir.write("folder/.hidden", text: "never read")
    _ = try dir.write("folder/sub/x.txt", text: "never read")

    let reference = try Self.trainJSON([joined, "--model", dir.path("ref.safetensors")]).report
    let files = try Self.trainJSON([a, b, "--model", dir.path("files.safetensors")])
    #expect(files.report.val_loss == reference.val_loss)
    #expect(files.stderr.contains("b-first.txt + \(b): "), "\(files.stderr)")
    let folderRun = try Self.trainJSON([folder, "--model", dir.path("dir.safetensors")]).report
    #expect(folderRun.val_loss == reference.val_loss)
    let piped = try Self.trainJSON(["-", "--model", dir.path("stdin.safetensors")], stdin: Data(Self.joined.utf8))
    #expect(piped.report.val_loss == reference.val_loss)
    #expect(piped.stderr.contains("standard input: "))
    // The fingerprint covers the joined text: the model trained on two files resumes on the one file.
    try runOK(["train", joined, "--model", dir.path("files.safetensors"), "--resume", "--steps", "10", "--quiet"])
  }

  @Test(
    "bad inputs name the file: missing among several, - twice, empty stdin, empty directory, invalid UTF-8 at byte N of which file"
  )
  func badInputs() throws {
    let dir = try ScratchDirectory("data-bad")
    let good = try dir.write("good.txt", text: Self.joined)
    let bad = try dir.write("bad.txt", bytes: Array("héllo".utf8) + [0xFF] + Array(" world\n".utf8))
    let trained = dir.path("trained.safetensors")
    _ = try Self.trainJSON([good, "--model", trained])
    let model = ["--model", dir.path("m.safetensors")]
    let cases: [([String], Data?, [String])] = [
      (["train", good, dir.path("missing.txt")] + model, nil, ["missing.txt", "does not exist"]),
      (["train", good, bad] + model, nil, ["byte 6 of", "bad.txt"]),
      (["train", "-", "-"] + model, Data(), ["more than once"]),
      (["train", good, "--val-file", "-", "-"] + model, Data(), ["more than once"]),
      (["train", "-"] + model, Data(), ["standard input", "empty"]),
      (["train", good, "--val-file", good, "--val-fraction", "0.2"] + model, nil, ["--val-fraction"]),
      (["perplexity", "--model", trained, "-", "-"], Data(), ["more than once"]),
      (["perplexity", "--model", trained, good, "-"], Data(), ["standard input", "empty"]),
      (["sample", "--model", trained, "--prime-file", "-"], Data(), ["standard input", "empty"]),
    ]
    try FileManager.default.createDirectory(atPath: dir.path("empty-dir"), withIntermediateDirectories: true)
    for (arguments, stdin, mentions) in cases + [(["train", good, dir.path("empty-dir")] + model, nil, ["empty-dir"])] {
      let result = try CLIRunner.run(arguments + tinyModelIfTrain(arguments), stdin: stdin)
      expectOneLineError(result, mentions: mentions, usageAllowed: true)
    }
  }

  /// The tiny model's flags for a `train` command, none for the others.
  func tinyModelIfTrain(_ arguments: [String]) -> [String] { arguments.first == "train" ? tinyModel : [] }

  @Test("--val-file: the whole corpus trains, the file validates, and a resume needs that same file")
  func validationFile() throws {
    let dir = try ScratchDirectory("data-valfile")
    let corpus = try dir.write("corpus.txt", text: Self.first)
    let held = try dir.write("held.txt", text: Self.second)
    let other = try dir.write("other.txt", text: Self.second + "more\n")
    let model = dir.path("m.safetensors")
    let run = try Self.trainJSON([corpus, "--model", model, "--val-file", held])
    #expect(run.stderr.contains("validation from \(held)"), "\(run.stderr)")
    // Its validation loss is the model's perplexity on the file, in nats (state carried through it, B streams).
    let resumeFlags = ["train", corpus, "--model", model, "--resume", "--steps", "12", "--quiet"]
    expectOneLineError(try CLIRunner.run(resumeFlags), mentions: ["separate text", "none is given"])
    expectOneLineError(
      try CLIRunner.run(resumeFlags + ["--val-file", other]), mentions: ["validated on another text"])
    try runOK(resumeFlags + ["--val-file", held])
    // A run that validated on a split is not resumed on a file.
    let split = dir.path("split.safetensors")
    _ = try Self.trainJSON([corpus, "--model", split])
    expectOneLineError(
      try CLIRunner.run(["train", corpus, "--model", split, "--resume", "--steps", "12", "--val-file", held]),
      mentions: ["split of its corpus"])
  }

  @Test("--val-split: the split is saved with the run; a resume keeps it and ends where an uninterrupted run does")
  func splitIsSaved() throws {
    let dir = try ScratchDirectory("data-split")
    let corpus = try dir.write("corpus.txt", text: Self.joined)
    let whole = try Self.trainJSON([corpus, "--model", dir.path("whole.safetensors"), "--val-split", "tail"]).report
    let sampled = try Self.trainJSON([corpus, "--model", dir.path("sampled.safetensors")]).report
    #expect(whole.val_loss != sampled.val_loss, "the default split is not the tail")
    let part = dir.path("part.safetensors")
    let first = try CLIRunner.run(
      ["train", corpus, "--model", part, "--val-split", "tail", "--steps", "4", "--eval-every", "4"] + tinyModel)
    try #require(first.succeeded, "\(first)")
    let resumed = try CLIRunner.run(
      ["train", corpus, "--model", part, "--resume", "--steps", "8", "--threads", "1", "--json"])
    try #require(resumed.succeeded, "\(resumed)")
    #expect(try lastJSONLine(resumed, as: TrainReport.self, keys: []).val_loss == whole.val_loss)
    expectOneLineError(
      try CLIRunner.run(["train", corpus, "--model", part, "--resume", "--steps", "12", "--val-split", "sampled"]),
      mentions: ["tail split"])
  }

  @Test("perplexity: several files, one result each (text and --json), - for standard input, --per-line adding up")
  func perplexityFiles() throws {
    let dir = try ScratchDirectory("data-ppl")
    let corpus = try dir.write("corpus.txt", text: Self.joined)
    let model = dir.path("m.safetensors")
    _ = try Self.trainJSON([corpus, "--model", model])
    let (a, b) = (try dir.write("a.txt", text: Self.first), try dir.write("b.txt", text: Self.second))

    let text = try runOK(["perplexity", "--model", model, a, b])
    #expect(text.stdoutLines.count == 2)
    #expect(text.stdoutLines[0].hasPrefix("\(a): ") && text.stdoutLines[1].hasPrefix("\(b): "))
    let json = try runOK(["perplexity", "--model", model, a, b, "--json"])
    let objects = try json.stdoutLines.map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(objects.count == 2 && objects[0]["file"] as? String == a)
    let piped = try CLIRunner.run(["perplexity", "--model", model, "-", "--json"], stdin: Data(Self.first.utf8))
    try #require(piped.succeeded, "\(piped)")
    let alone = try lastJSONLine(piped, as: PerplexityReport.self, keys: ["file"])
    #expect(alone.nats_per_char == objects[0]["nats_per_char"] as? Double)

    let perLine = try runOK(["perplexity", "--model", model, a, "--per-line", "--json"])
    let rows = try perLine.stdoutLines.map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    let lines = rows.dropLast()
    let total = try #require(rows.last)
    #expect(lines.map { $0["line"] as? Int } == Array(1...lines.count))
    let pieces = Self.first.split(separator: "\n", omittingEmptySubsequences: false).count
    #expect(lines.count == pieces - (Self.first.hasSuffix("\n") ? 1 : 0))
    let sum = lines.reduce(0.0) { $0 + ($1["nats"] as? Double ?? .nan) }
    let whole = (total["nats_per_char"] as? Double ?? .nan) * Double(total["chars"] as? Int ?? 0)
    #expect(abs(sum - whole) / whole <= 1e-9, "Σ lines \(sum) vs file \(whole): relative \(abs(sum - whole) / whole)")
    #expect(lines.reduce(0) { $0 + ($1["symbols"] as? Int ?? 0) } == total["chars"] as? Int)
    #expect(perLine.stderr.contains("\(a): "), "the human line goes to standard error")

    let missing = try CLIRunner.run(["perplexity", "--model", model, a, dir.path("nope.txt")])
    expectOneLineError(missing, mentions: ["nope.txt", "does not exist"])
  }
}

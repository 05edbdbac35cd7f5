import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A model file's header and data bytes, with the two fields of its `charlm.run` that name the
/// invocation rather than the run — `training_seconds` (wall clock) and the command's `--model`
/// value — set to 0 and "<model>": what must be equal for two runs to have saved the same model,
/// resume state and provenance.
func contentsWithoutProvenance(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (
  header: NSDictionary, data: Data
) {
  let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
  let n = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
  var header = try #require(
    try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + n))) as? [String: Any],
    sourceLocation: sourceLocation)
  let metadata = try #require(header["__metadata__"] as? [String: String], sourceLocation: sourceLocation)
  let runText = try #require(metadata["charlm.run"], "\(path) has no charlm.run", sourceLocation: sourceLocation)
  var run = try #require(
    try JSONSerialization.jsonObject(with: Data(runText.utf8)) as? [String: Any], sourceLocation: sourceLocation)
  var command = try #require(run["command"] as? [String], sourceLocation: sourceLocation)
  if let index = command.firstIndex(of: "--model"), index + 1 < command.count { command[index + 1] = "<model>" }
  run["command"] = command
  run["training_seconds"] = 0
  let normalized = try JSONSerialization.data(withJSONObject: run, options: [.sortedKeys])
  header["__metadata__"] = metadata.merging(["charlm.run": String(decoding: normalized, as: UTF8.self)]) { $1 }
  return (header as NSDictionary, bytes.subdata(in: (8 + n)..<bytes.count))
}

/// The steps of the snapshots of `model` (`<stem>.step-NNNNNN.safetensors`) in `dir`.
func snapshotSteps(in dir: ScratchDirectory, stem: String = "m") throws -> [Int] {
  try FileManager.default.contentsOfDirectory(atPath: dir.url.path).compactMap { name -> Int? in
    guard name.hasPrefix(stem + ".step-"), name.hasSuffix(".safetensors") else { return nil }
    let digits = name.dropFirst(stem.count + 6).dropLast(12)
    return digits.count >= 6 ? Int(digits) : nil
  }.sorted()
}

/// `train --save-every N --keep K`: step-numbered snapshots, pruning, resuming from one.
@Suite struct SnapshotTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let flags: [String]
    let steps: Int
    let expected: [Int]
    var testDescription: String { "\(flags.joined(separator: " ")) --steps \(steps) → \(expected)" }
  }

  static let cases: [Case] = [
    Case(flags: ["--save-every", "7"], steps: 30, expected: [7, 14, 21, 28]),
    Case(flags: ["--save-every", "10"], steps: 30, expected: [10, 20, 30]),
    Case(flags: ["--save-every", "5", "--keep", "2"], steps: 30, expected: [25, 30]),
    Case(flags: ["--save-every", "4", "--keep", "1"], steps: 30, expected: [28]),
    Case(flags: ["--save-every", "50"], steps: 30, expected: []),
  ]

  @Test(
    "snapshots are written at multiples of --save-every (the last step included) and --keep prunes", arguments: cases)
  func steps(c: Case) throws {
    let dir = try ScratchDirectory("snapshots")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    try train(corpus, model: dir.path("m.safetensors"), steps: c.steps, extra: ["--eval-every", "10"] + c.flags)
    #expect(try snapshotSteps(in: dir) == c.expected)
    #expect(FileManager.default.fileExists(atPath: dir.path("m.safetensors")), "the model file is kept")
    for step in c.expected {
      let info = try runOK(["info", "--json", dir.path(String(format: "m.step-%06d.safetensors", step))])
      let object = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
      let weights = try #require(object["weights"] as? [String: Any])
      #expect(weights["kind"] as? String == "current" && weights["step"] as? Int == step, "\(weights)")
      #expect((object["training"] as? [String: Any])?["step"] as? Int == step)
    }
  }

  @Test("--keep deletes only charlm's own snapshots of this model up to the run's step")
  func keepLeavesOthersAlone() throws {
    let dir = try ScratchDirectory("snapshot-keep")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    // A real snapshot of a higher step (another run's), and look-alikes that are not charlm's.
    try train(corpus, model: dir.path("other.safetensors"), steps: 5, extra: ["--save-every", "5"])
    try FileManager.default.copyItem(
      atPath: dir.path("other.step-000005.safetensors"), toPath: dir.path("m.step-999999.safetensors"))
    try FileManager.default.copyItem(
      atPath: dir.path("other.step-000005.safetensors"), toPath: dir.path("m.step-000003.safetensors"))
    let planted = [
      try dir.write("m.step-000001.safetensors", text: "my notes, not a model"),
      try dir.write("m.step-02.safetensors", text: "another naming"),
      try dir.write("m.step-000004.safetensors.bak", text: "a backup"),
    ]
    try FileManager.default.createSymbolicLink(
      atPath: dir.path("m.step-000002.safetensors"), withDestinationPath: dir.path("other.safetensors"))
    try train(corpus, model: dir.path("m.safetensors"), steps: 20, extra: ["--save-every", "5", "--keep", "2"])
    // 3 (a charlm model, older) is pruned with 5 and 10; 1 (not a model), 2 (a link) and 999999 stay.
    #expect(try snapshotSteps(in: dir) == [1, 2, 15, 20, 999_999])
    for path in planted { #expect(FileManager.default.fileExists(atPath: path), "\(path) was deleted") }
    #expect(try snapshotSteps(in: dir, stem: "other") == [5])
  }

  @Test("a snapshot resumes to the same model and state as the uninterrupted run")
  func resumeFromSnapshot() throws {
    let dir = try ScratchDirectory("snapshot-resume")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let whole = dir.path("m.safetensors")
    let shared = tinyModel + ["--learning-rate", "0.5", "--eval-every", "10", "--quiet"]
    try runOK(["train", corpus, "--model", whole, "--steps", "40", "--save-every", "20"] + shared)
    let resumed = dir.path("r.safetensors")
    try FileManager.default.copyItem(atPath: dir.path("m.step-000020.safetensors"), toPath: resumed)
    try runOK(["train", corpus, "--model", resumed, "--resume", "--steps", "40", "--save-every", "20", "--quiet"])
    let (a, b) = (try contentsWithoutProvenance(whole), try contentsWithoutProvenance(resumed))
    #expect(a.header == b.header, "headers differ")
    #expect(a.data == b.data, "tensor bytes differ (\(a.data.count) vs \(b.data.count))")
    // And the snapshot samples.
    try runOK(["sample", "--model", dir.path("m.step-000020.safetensors"), "--length", "20", "--seed", "1"])
  }

  @Test("Ctrl-C while snapshots are written every step: each snapshot left loads, no temporary file stays")
  func interrupted() throws {
    let dir = try ScratchDirectory("snapshot-sigint")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    let running = try CLIRunner.start(
      ["train", corpus, "--model", model] + tinyModel
        + ["--steps", "100000", "--max-time", "60", "--eval-every", "7", "--save-every", "1", "--keep", "3"])
    let started = running.poll(timeout: 30) { ((try? snapshotSteps(in: dir).count) ?? 0) >= 3 }
    try #require(started, "no snapshots within 30 s; stderr:\n\(running.stderrSoFar)")
    usleep(200_000)
    running.send(SIGINT)
    let result = try running.wait(timeout: 10)
    #expect(!result.uncaughtSignal && result.stderr.contains("Error: interrupted at step "), "\(result)")
    let steps = try snapshotSteps(in: dir)
    #expect(steps.count == 3, "\(steps)")
    for step in steps {
      let info = try runOK(["info", "--json", dir.path(String(format: "m.step-%06d.safetensors", step))])
      let object = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
      #expect((object["training"] as? [String: Any])?["step"] as? Int == step)
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
    #expect(!names.contains { $0.contains(".tmp-") }, "temporary files left: \(names)")
  }

  @Test(
    "--keep without --save-every, and values below 1, are refused in one line",
    arguments: [
      ["--keep", "2"], ["--save-every", "0"], ["--save-every", "5", "--keep", "0"],
    ])
  func refused(flags: [String]) throws {
    let dir = try ScratchDirectory("snapshot-refused")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let result = try CLIRunner.run(["train", corpus, "--model", dir.path("m.safetensors")] + tinyModel + flags)
    expectOneLineError(result, mentions: [flags[flags.count - 2]], usageAllowed: true)
  }
}

/// `charlm export`: the model without its resume state.
@Suite struct ExportTests {
  nonisolated(unsafe) static let shared = trainShared("export", steps: 20)

  @Test("an exported model is smaller, samples and scores as the original, and is refused by --resume")
  func exported() throws {
    let (dir, corpus, model) = try Self.shared.get()
    let out = dir.path("shared.safetensors")
    try? FileManager.default.removeItem(atPath: out)
    let export = try runOK(["export", model, "--output", out])
    #expect(export.stdout.isEmpty)
    #expect(export.stderr.contains("without its resume state"), "\(export.stderr)")
    let (before, after) = (try fileBytes(model), try fileBytes(out))
    #expect(after < before / 3, "exported \(after) bytes of \(before)")

    let sample = ["--prime", "The ", "--length", "200", "--seed", "7", "--temperature", "0.9"]
    let a = try runOK(["sample", "--model", model] + sample)
    let b = try runOK(["sample", "--model", out] + sample)
    #expect(a.stdout == b.stdout && !a.stdout.isEmpty)
    let score = { (path: String) in
      try lastJSONLine(
        try runOK(["perplexity", corpus, "--json", "--model", path]), as: PerplexityReport.self,
        keys: ["nats_per_char"])
    }
    #expect(try score(model).nats_per_char == score(out).nats_per_char)

    let resume = try CLIRunner.run(["train", corpus, "--model", out, "--resume", "--steps", "30"])
    expectOneLineError(resume, mentions: ["exported", "--init-from"])
    try runOK(
      ["train", corpus, "--model", dir.path("again.safetensors"), "--init-from", out, "--steps", "2", "--quiet"]
        + tinyModel)

    let info = try runOK(["info", out]).stdout
    #expect(info.contains("no resume state"), "\(info)")
    #expect(info.contains("resume state 0,"), "\(info)")
    #expect(info.contains("command        charlm train "), "\(info)")
  }

  @Test("export refuses to replace its input, an existing model without --overwrite, and a non-model")
  func refusals() throws {
    let (dir, _, model) = try Self.shared.get()
    expectOneLineError(try CLIRunner.run(["export", model, "--output", model]), mentions: ["itself"])
    let existing = dir.path("existing.safetensors")
    try? FileManager.default.removeItem(atPath: existing)
    try runOK(["export", "--model", model, "--output", existing])
    expectOneLineError(try CLIRunner.run(["export", model, "--output", existing]), mentions: ["--overwrite"])
    try runOK(["export", model, "--output", existing, "--overwrite"])
    let notes = try dir.write("notes.txt", text: "keep me")
    expectOneLineError(try CLIRunner.run(["export", model, "--output", notes, "--overwrite"]), mentions: ["notes.txt"])
    #expect(try String(contentsOfFile: notes, encoding: .utf8) == "keep me")
    expectOneLineError(
      try CLIRunner.run(["export", model, "--model", model, "--output", existing]), mentions: ["once"],
      usageAllowed: true)
  }

  @Test(
    "charlm_torch loads an exported model and scores as charlm does",
    .enabled(
      if: PyTorch.required || PyTorch.available,
      "python3 with torch and safetensors is not installed; the PyTorch load of an exported file is not tested"))
  func pytorch() throws {
    let (dir, _, model) = try Self.shared.get()
    let out = dir.path("torch.safetensors")
    try? FileManager.default.removeItem(atPath: out)
    try runOK(["export", model, "--output", out])
    let text = try dir.write("torch-text.txt", text: PyTorchRoundTripTests.scoredText())
    PyTorchRoundTripTests.expectAgreement(
      try PyTorchRoundTripTests.charlmPerplexity(out, text), try PyTorch.run(["perplexity", out, text]), "exported")
  }
}

/// The size of a file in bytes.
func fileBytes(_ path: String) throws -> Int {
  try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
}

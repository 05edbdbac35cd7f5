import Foundation
import Modeling
import SafeTensors
import Testing

/// The training record carries the text's fingerprint (size, SHA-256): a resume on another text
/// is refused; continuing on new text is the explicit `--init-from`. On b402d5a a resume on an
/// edited or different corpus silently trained on it.
@Suite struct FingerprintTests {
  /// The `text` object of a model file's training record.
  static func recordedText(_ model: String) throws -> [String: Any] {
    let archive = try SafeTensorsArchive.read(from: model)
    let json = try #require(archive.metadata["charlm.train"])
    let record = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    return try #require(record["text"] as? [String: Any], "no text fingerprint in \(json)")
  }

  @Test func theFingerprintIsSha256sumOfTheFile() throws {
    let dir = try ScratchDirectory("fingerprint")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    try train(corpus, model: model, steps: 3)
    let text = try Self.recordedText(model)
    let sum = try ShellRunner.run("sha256sum corpus.txt", in: dir).stdout.prefix(64)
    #expect(text["sha256"] as? String == String(sum))
    #expect(text["bytes"] as? Int == Corpus.text().utf8.count)
  }

  @Test(arguments: ["edited by one character", "another corpus"])
  func resumeOnOtherTextIsRefused(change: String) throws {
    let dir = try ScratchDirectory("fingerprint-resume")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    try train(corpus, model: model, steps: 5)
    let before = try Data(contentsOf: URL(fileURLWithPath: model))
    var other = Corpus.text(seed: change == "another corpus" ? 7 : 42)
    if change == "edited by one character" { other = "X" + other.dropFirst() }
    let otherPath = try dir.write("other.txt", text: other)
    let result = try CLIRunner.run(["train", otherPath, "--model", model, "--resume", "--steps", "10"])
    let line = expectOneLineError(result, mentions: ["another text", "sha256", "--init-from"])
    print("[fingerprint] \(change): \(line)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == before, "the model changed")
    try runOK(["train", corpus, "--model", model, "--resume", "--steps", "10", "--quiet"])
  }

  /// `--init-from`: weights and vocabulary from the model; steps, optimizer and log start afresh;
  /// the new text's symbols outside the vocabulary are counted and named.
  @Test func initFromStartsANewRunOnNewText() throws {
    let dir = try ScratchDirectory("init-from")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let base = dir.path("base.safetensors")
    try train(corpus, model: base, steps: 30)
    let newText = try dir.write("new.txt", text: String(repeating: "Жук ест fox. ", count: 200))
    let tuned = dir.path("tuned.safetensors")
    let result = try runOK(
      ["train", newText, "--model", tuned, "--init-from", base] + tinyModel
        + ["--steps", "8", "--json", "--progress-interval", "0"])
    #expect(result.stderr.contains("starting from the weights of \(base)"), "\(result)")
    #expect(result.stderr.contains("symbols of \(newText) are not in the model's vocabulary (\"Ж\""), "\(result)")
    let report = try lastJSONLine(result, as: TrainReport.self, keys: ["steps"])
    #expect(report.steps == 8)
    let steps = try String(contentsOfFile: tuned + ".metrics.jsonl", encoding: .utf8).split(separator: "\n")
    #expect(steps.first?.contains("\"step\":1,") == true, "the log does not start afresh: \(steps.first ?? "")")
    #expect(try Self.recordedText(tuned)["bytes"] as? Int == 200 * "Жук ест fox. ".utf8.count)
    // The tuned model keeps the base's shape and vocabulary, and resumes on its own text.
    try runOK(["train", newText, "--model", tuned, "--resume", "--steps", "10", "--quiet"])
    let both = try CLIRunner.run(["train", newText, "--model", tuned, "--init-from", base, "--resume"])
    expectOneLineError(both, mentions: ["--init-from"], usageAllowed: true)
    let reshaped = try CLIRunner.run(
      ["train", newText, "--model", dir.path("x.safetensors"), "--init-from", base, "--hidden-size", "32"])
    expectOneLineError(reshaped, mentions: ["--hidden-size 32", "--hidden-size 16"])
  }

  /// The first command with --resume added works: architecture flags equal to the saved ones are
  /// accepted (b402d5a refused them), different ones are refused naming both values.
  @Test func resumeAcceptsEqualArchitectureFlags() throws {
    let dir = try ScratchDirectory("resume-flags")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    let first = ["train", corpus, "--model", model] + tinyModel + ["--cell", "gru", "--layers", "1", "--quiet"]
    try runOK(first + ["--steps", "4"])
    try runOK(first + ["--steps", "8", "--resume"])
    for (flag, value, saved) in [
      ("--hidden-size", "32", "16"), ("--cell", "lstm", "gru"), ("--layers", "2", "1"), ("--embedding-size", "4", "8"),
    ] {
      let result = try CLIRunner.run(
        ["train", corpus, "--model", model, "--resume", "--steps", "12", flag, value, "--threads", "1"])
      expectOneLineError(result, mentions: ["\(flag) \(value)", "\(flag) \(saved)"])
    }
  }
}

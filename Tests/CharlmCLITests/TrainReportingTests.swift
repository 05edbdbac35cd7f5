import Foundation
import Testing

/// What `charlm train` reports: progress lines when standard error is a file, the metrics log
/// beside the model (new runs start it, resumed runs append, --no-metrics skips it).
@Suite struct TrainReportingTests {
  @Test("--progress-interval 0 prints every step; the metrics log follows the run and its resume")
  func progressAndMetrics() throws {
    let dir = try ScratchDirectory("reporting")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    let log = model + ".metrics.jsonl"

    let result = try runOK(
      ["train", corpus, "--model", model] + tinyModel
        + ["--steps", "8", "--eval-every", "4", "--progress-interval", "0"])
    let stepLines = result.stderrLines.filter { $0.hasPrefix("step ") }
    #expect(stepLines.count == 8, "\(result.stderr)")
    #expect(stepLines.first?.contains("epoch ") == true)
    #expect(!result.stderr.contains("\r") && !result.stderr.contains("\u{1B}"), "no terminal codes in a file")
    #expect(result.stderrLines.filter { $0.hasPrefix("validation at step") }.count == 2)

    func records() throws -> [[String: Any]] {
      try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
        try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
      }
    }
    var lines = try records()
    #expect(lines.filter { $0["event"] as? String == "step" }.count == 8)
    #expect(lines.filter { $0["event"] as? String == "validation" }.compactMap { $0["step"] as? Int } == [4, 8])
    for line in lines {
      for key in ["step", "time", "learning_rate", "event"] { #expect(line[key] != nil, "\(key) missing in \(line)") }
      if line["event"] as? String == "validation" { #expect(line["val_loss"] is Double) }
      if line["event"] as? String == "step" {
        #expect(line["train_loss"] is Double && line["grad_norm"] is Double && line["chars_per_second"] is Double)
      }
    }

    // --resume appends.
    try runOK(["train", corpus, "--model", model, "--resume", "--steps", "10", "--quiet", "--threads", "1"])
    lines = try records()
    #expect(lines.compactMap { $0["step"] as? Int }.suffix(3) == [9, 10, 10])

    // A new run (--overwrite) starts the log afresh; --no-metrics leaves it alone.
    try runOK(["train", corpus, "--model", model] + tinyModel + ["--steps", "2", "--quiet", "--overwrite"])
    #expect(try records().compactMap { $0["step"] as? Int } == [1, 2, 2])
    try runOK(
      ["train", corpus, "--model", model] + tinyModel + ["--steps", "3", "--quiet", "--no-metrics", "--overwrite"])
    #expect(try records().compactMap { $0["step"] as? Int } == [1, 2, 2])
  }
}

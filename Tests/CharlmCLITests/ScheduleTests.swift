import Foundation
import SafeTensors
import Testing

/// `train`'s learning-rate schedules, `--patience`, `--epochs` and `--val-sample` from the
/// command line: patience stops where the validations say; a sample never reaches stdout and
/// never changes the training; the rate in force is shown. (A schedule resumed mid-way writing
/// the same bytes as an uninterrupted run: ``ExactResumeTests``.)
@Suite struct ScheduleTests {
  /// The training record (`charlm.train`) of a model file, as JSON.
  static func record(_ model: String) throws -> [String: Any] {
    let archive = try SafeTensorsArchive.read(from: model)
    let json = try #require(archive.metadata["charlm.train"])
    return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
  }

  /// The validation lines of a model's metrics log.
  static func validations(_ model: String) throws -> [[String: Any]] {
    let text = try String(contentsOfFile: model + ".metrics.jsonl", encoding: .utf8)
    return try text.split(separator: "\n").compactMap {
      let line = try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
      return line["event"] as? String == "validation" ? line : nil
    }
  }

  @Test func patienceStopsAfterThatManyValidationsWithoutANewBest() throws {
    let dir = try ScratchDirectory("patience")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    // A rate of 0.5 overfits the tiny model quickly: validation stops improving within 100 steps.
    let result = try runOK(
      ["train", corpus, "--model", model] + tinyModel
        + ["--learning-rate", "0.5", "--eval-every", "5", "--patience", "3", "--steps", "5000", "--json"])
    let line = try #require(result.stdoutLines.last)
    let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(summary["stop_reason"] as? String == "no_improvement", "\(line)")
    let steps = try #require(summary["steps"] as? Int)
    #expect(steps < 5000)
    #expect(result.stderr.contains("stopped early (3 validations without a new best) at step \(steps)"), "\(result)")

    let losses = try Self.validations(model).map { try #require($0["val_loss"] as? Double) }
    let best = try #require(losses.indices.min { losses[$0] < losses[$1] })
    #expect(losses.count - 1 - best == 3, "validation losses: \(losses)")
    #expect(summary["best_val_loss"] as? Double == losses[best])
    // The file holds the best weights: they score the best validation's loss again.
    #expect(try Self.record(model)["best_val_loss"] as? Double == losses[best])
  }

  @Test func epochsSetTheStepsAndRefuseStepsBesideThem() throws {
    let dir = try ScratchDirectory("epochs")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    let result = try runOK(["train", corpus, "--model", model] + tinyModel + ["--epochs", "1.5", "--json"])
    // The plan line names K and the steps: "--epochs 1.5 × K steps per epoch = N steps".
    let plan = try #require(result.stderrLines.first { $0.contains("steps per epoch") }, "\(result)")
    let numbers = plan.split(whereSeparator: { !$0.isNumber && $0 != "." }).compactMap { Double($0) }
    try #require(numbers.count == 3, "\(plan)")
    let (K, steps) = (numbers[1], Int(numbers[2]))
    #expect(steps == Int((1.5 * K).rounded(.up)))
    #expect(result.stdout.contains("\"steps\":\(steps)"), "\(result.stdout)")

    let both = try CLIRunner.run([
      "train", corpus, "--model", dir.path("b.safetensors"), "--epochs", "1", "--steps", "9",
    ])
    #expect(!both.succeeded)
    #expect(both.stderrLines.contains { $0.contains("--epochs and --steps both set the run's length") }, "\(both)")
    for marker in crashMarkers { #expect(!both.stderr.contains(marker)) }
  }

  @Test func aValidationSampleGoesToStderrAndTheLogAndChangesNothing() throws {
    let dir = try ScratchDirectory("val-sample")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let (plain, sampled) = (dir.path("plain.safetensors"), dir.path("sampled.safetensors"))
    let flags = tinyModel + ["--steps", "30", "--eval-every", "10", "--json"]
    try runOK(["train", corpus, "--model", plain] + flags)
    let result = try runOK(["train", corpus, "--model", sampled] + flags + ["--val-sample", "40"])
    #expect(result.stdoutLines.count == 1, "stdout holds only the JSON summary: \(result.stdout)")
    #expect(result.stderrLines.filter { $0.hasPrefix("sample at step ") }.count == 3, "\(result)")
    let samples = try Self.validations(sampled).map { $0["sample"] as? String }
    #expect(samples.count == 3 && samples.allSatisfy { $0?.count == 40 }, "\(samples)")
    #expect(try Self.validations(plain).allSatisfy { $0["sample"] == nil })
    // Same seed, same samples; and the training bits are untouched by sampling.
    let again = try runOK(["train", corpus, "--model", sampled, "--overwrite"] + flags + ["--val-sample", "40"])
    #expect(
      again.stderrLines.filter { $0.hasPrefix("sample at step ") }
        == result.stderrLines.filter { $0.hasPrefix("sample at step ") })
    // A run with samples writes the same model file as one without.
    try expectSameBytes(plain, sampled)
  }

  @Test func theRateInForceIsOnTheProgressLineAndInTheLog() throws {
    let dir = try ScratchDirectory("schedule-rate")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    let result = try runOK(
      ["train", corpus, "--model", model] + tinyModel
        + ["--steps", "12", "--warmup", "5", "--lr-schedule", "cosine", "--progress-interval", "0"])
    // Step 1 of 5 warm-up steps: 0.002 / 5; step 5: the full rate.
    let steps = result.stderrLines.filter { $0.hasPrefix("step ") }
    #expect(steps.first?.contains("  lr 0.0004  ") == true, "\(steps)")
    #expect(steps.first { $0.hasPrefix("step 5/") }?.contains("  lr 0.002  ") == true, "\(steps)")
    let log = try String(contentsOfFile: model + ".metrics.jsonl", encoding: .utf8)
    #expect(log.split(separator: "\n").first?.contains("\"learning_rate\":0.0004") == true, "\(log)")
    // A constant rate keeps today's line.
    let plain = try runOK(["train", corpus, "--model", dir.path("plain.safetensors")] + tinyModel + ["--steps", "3"])
    #expect(!plain.stderr.contains("  lr "), "\(plain)")
  }

  @Test(arguments: [
    (["--warmup", "-1"], "--warmup must be between 0"),
    (["--lr-decay", "1.5"], "--lr-decay must be in (0, 1]"),
    (["--min-lr", "0"], "--min-lr must be in (0, 10]"),
    (["--lr-schedule", "linear"], "--lr-schedule"),
    (["--patience", "-2"], "--patience must be between 0"),
    (["--epochs", "0"], "--epochs must be in (0, 1000000]"),
    (["--val-sample", "-5"], "--val-sample must be between 0"),
    (["--patience", "2", "--val-fraction", "0"], "follow the validation loss; give --val-fraction > 0"),
    (["--lr-schedule", "plateau", "--val-fraction", "0"], "follow the validation loss; give --val-fraction > 0"),
  ])
  func badScheduleFlagsGetOneLine(flags: [String], message: String) throws {
    let dir = try ScratchDirectory("schedule-flags")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let result = try CLIRunner.run(["train", corpus, "--model", dir.path("m.safetensors")] + flags)
    #expect(!result.succeeded)
    #expect(result.stderr.contains(message), "\(result)")
    for marker in crashMarkers { #expect(!result.stderr.contains(marker)) }
    #expect(!FileManager.default.fileExists(atPath: dir.path("m.safetensors")))
  }
}

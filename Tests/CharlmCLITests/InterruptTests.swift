import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Ctrl-C during training saves a model file that loads and resumes.
@Suite struct InterruptTests {
  /// Eight interrupts at different points of two-thread oneDNN steps each save a model. (A
  /// signal that landed in a busy thread was followed by heap corruption — abort, no model — in
  /// 7 of 48 Ctrl-Cs of the *release* build, 0 of 70 once the signals were blocked in every thread
  /// charlm starts; this debug-build test did not reproduce it, so it guards the behaviour, and
  /// the release figures are in docs/Robustness.md.)
  @Test func ctrlCDuringTwoThreadStepsNeverCrashes() throws {
    let dir = try ScratchDirectory("sigint-threads")
    let corpus = try dir.write("corpus.txt", text: Corpus.text(bytes: 200_000))
    for attempt in 0..<8 {
      let model = dir.path("model-\(attempt).safetensors")
      let running = try CLIRunner.start(
        ["train", corpus, "--model", model, "--hidden-size", "256", "--threads", "2", "--steps", "100000"])
      let training = running.poll(timeout: 30) { running.stderrSoFar.contains("step 1/") }
      try #require(training, "attempt \(attempt): no first step within 30 s: \(running.stderrSoFar)")
      usleep(UInt32(100_000 + 97_000 * attempt))
      running.send(SIGINT)
      let result = try running.wait(timeout: 30)
      #expect(!result.uncaughtSignal && result.status == 1, "attempt \(attempt): \(result)")
      for marker in crashMarkers { #expect(!result.stderr.contains(marker), "attempt \(attempt): \(result)") }
      #expect(FileManager.default.fileExists(atPath: model), "attempt \(attempt): no model saved: \(result)")
    }
  }

  @Test func ctrlCSavesAndResumeContinues() throws {
    let dir = try ScratchDirectory("sigint")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    let arguments =
      ["train", corpus, "--model", model] + tinyModel
      + ["--steps", "100000", "--max-time", "60", "--eval-every", "50", "--seed", "2", "--json"]
    let running = try CLIRunner.start(arguments)

    // Wait for a progress line and a first save (every 50 steps), then a little more training.
    let started = running.poll(timeout: 30) {
      running.stderrSoFar.contains("step ") && FileManager.default.fileExists(atPath: model)
    }
    try #require(started, "no progress and no model file within 30 s; stderr:\n\(running.stderrSoFar)")
    #expect(running.isRunning, "training ended before the interrupt; stderr:\n\(running.stderrSoFar)")
    usleep(300_000)

    running.send(SIGINT)
    let interruptedAt = Date()
    let result = try running.wait(timeout: 10)
    let seconds = Date().timeIntervalSince(interruptedAt)
    #expect(seconds < 5, "took \(seconds) s to stop after SIGINT")
    #expect(!result.uncaughtSignal, "killed by the signal instead of handling it: \(result)")
    #expect(result.status != 0, "an interrupted run should exit non-zero: \(result)")
    #expect(result.stderr.contains("interrupted"), "\(result)")
    let lastLine = result.stderrLines.last ?? ""
    #expect(lastLine.hasPrefix("Error: interrupted at step "), "\(result)")
    #expect(lastLine.contains("saved") && lastLine.contains(model) && lastLine.contains("--resume"), "\(lastLine)")
    for marker in crashMarkers { #expect(!result.stderr.contains(marker), "\(result)") }

    // The JSON summary still comes, with the step the file holds.
    let summary = try lastJSONLine(
      result, as: TrainReport.self, keys: ["steps", "train_loss", "val_loss", "val_bits_per_char", "chars_per_second"])
    let savedStep = summary.steps
    #expect(savedStep > 0 && savedStep < 100_000)
    #expect(lastLine.contains("step \(savedStep);"), "\(lastLine) vs JSON steps \(savedStep)")

    // The saved file loads.
    let scored = try runOK(["perplexity", "--model", model, corpus, "--json"])
    let report = try lastJSONLine(
      scored, as: PerplexityReport.self, keys: ["chars", "nats_per_char", "bits_per_char", "perplexity", "unknown"])
    #expect(report.nats_per_char.isFinite)

    // --resume continues from the saved step to the requested total.
    let target = savedStep + 15
    let resumed = try runOK([
      "train", corpus, "--model", model, "--resume", "--steps", "\(target)", "--threads", "1", "--json",
    ])
    #expect(resumed.stderr.contains("resuming at step \(savedStep)"), "\(resumed)")
    let final = try lastJSONLine(
      resumed, as: TrainReport.self, keys: ["steps", "train_loss", "val_loss", "val_bits_per_char", "chars_per_second"])
    #expect(final.steps == target)
  }
}

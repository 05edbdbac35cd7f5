import Foundation
import Testing

/// A run stopped and resumed writes the same model file, byte for byte (but for the training
/// time and --model in charlm.run), as one that was never stopped — also when (a learning rate of
/// 0.5 makes it so) the stop point's own validation was better than what came after (on b402d5a
/// that validation became "the best" and the files differed) — and for every learning-rate
/// schedule, whose state (plateau reductions, validations since the best) travels in the file.
@Suite struct ExactResumeTests {
  struct Split: Sendable, CustomTestStringConvertible {
    /// Flags of the first invocation (it stops early), and the run's shared flags.
    let first: [String]
    let shared: [String]
    /// Whether the plateau schedule must have cut the rate both before and after the stop.
    var acrossReduction = false
    var testDescription: String { (first + shared).joined(separator: " ") }
  }

  static let splits: [Split] = [
    Split(first: ["--steps", "20"], shared: ["--learning-rate", "0.5"]),
    Split(first: ["--steps", "25"], shared: ["--learning-rate", "0.5", "--eval-every", "10"]),
    Split(first: ["--steps", "30"], shared: ["--learning-rate", "0.5", "--eval-every", "10"]),
    // A time limit far shorter than 40 steps take on any machine (0.2 s stopped nothing once the
    // products moved to oneDNN: 40 tiny steps took less than that).
    Split(first: ["--steps", "40", "--max-time", "0.001"], shared: ["--learning-rate", "0.5", "--eval-every", "10"]),
    // Schedules. A cosine ends at --steps, so its first part keeps --steps 40 and stops by time:
    // inside the warm-up, and (warm-up 1) inside the cosine.
    Split(first: ["--steps", "40", "--max-time", "0.001"], shared: ["--warmup", "10", "--lr-schedule", "cosine"]),
    Split(
      first: ["--steps", "40", "--max-time", "0.001"],
      shared: ["--warmup", "1", "--lr-schedule", "cosine", "--min-lr", "1e-4"]),
    Split(first: ["--steps", "20"], shared: ["--lr-schedule", "step", "--lr-decay", "0.8", "--lr-decay-every", "7"]),
    // Validations at 10 and 15 are not new bests at this rate (on the tail split): one cut before
    // step 12, one after.
    Split(
      first: ["--steps", "12"],
      shared: ["--lr-schedule", "plateau", "--learning-rate", "1", "--eval-every", "5", "--val-split", "tail"],
      acrossReduction: true),
  ]

  @Test(arguments: splits)
  func splitRunEqualsUninterrupted(split: Split) throws {
    let dir = try ScratchDirectory("exact-resume")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let whole = dir.path("whole.safetensors")
    let parts = dir.path("parts.safetensors")
    try runOK(["train", corpus, "--model", whole] + tinyModel + split.shared + ["--steps", "40", "--quiet"])
    let firstPart = try runOK(
      ["train", corpus, "--model", parts] + tinyModel + split.shared + split.first + ["--quiet", "--json"])
    #expect(!firstPart.stdout.contains("\"steps\":40"), "the first part did not stop early: \(firstPart.stdout)")
    if split.acrossReduction {
      let before = try ScheduleTests.record(parts)["plateau_reductions"] as? Int ?? 0
      let after = try ScheduleTests.record(whole)["plateau_reductions"] as? Int ?? 0
      #expect(before >= 1 && after > before, "reductions: \(before) at the stop, \(after) at the end")
    }
    try runOK(["train", corpus, "--model", parts, "--resume", "--steps", "40", "--quiet", "--threads", "1"])
    // Byte for byte but for the training time and --model in charlm.run.
    try expectSameBytes(whole, parts)
  }
}

import Foundation
import Testing

/// A run stopped and resumed writes the same model file, byte for byte (but for the training
/// time and --model in charlm.run), as one that was never stopped — also when (a learning rate of 0.5 makes it so) the stop point's own validation was better than what came after (on
/// b402d5a that validation became "the best" and the files differed).
@Suite struct ExactResumeTests {
  struct Split: Sendable, CustomTestStringConvertible {
    /// Flags of the first invocation (it stops early), and the run's shared flags.
    let first: [String]
    let shared: [String]
    var testDescription: String { (first + shared).joined(separator: " ") }
  }

  static let splits: [Split] = [
    Split(first: ["--steps", "20"], shared: ["--learning-rate", "0.5"]),
    Split(first: ["--steps", "25"], shared: ["--learning-rate", "0.5", "--eval-every", "10"]),
    Split(first: ["--steps", "30"], shared: ["--learning-rate", "0.5", "--eval-every", "10"]),
    // A time limit far shorter than 40 steps take on any machine (0.2 s stopped nothing once the
    // products moved to oneDNN: 40 tiny steps took less than that).
    Split(first: ["--steps", "40", "--max-time", "0.001"], shared: ["--learning-rate", "0.5", "--eval-every", "10"]),
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
    try runOK(["train", corpus, "--model", parts, "--resume", "--steps", "40", "--quiet", "--threads", "1"])
    // Byte for byte but for the training time and --model in charlm.run.
    let (a, b) = (try contentsWithoutProvenance(whole), try contentsWithoutProvenance(parts))
    #expect(a.header == b.header, "headers differ")
    let firstDifference = zip(a.data, b.data).enumerated().first { $0.element.0 != $0.element.1 }?.offset
    #expect(
      a.data == b.data,
      "tensors differ (\(a.data.count) vs \(b.data.count) bytes, first at byte \(firstDifference ?? -1))")
  }
}

import Testing
import Training

@testable import charlm

/// The executable words the library's ``TrainingError`` facts as flags.
@Suite struct TrainingAdviceTests {
  @Test("a corpus shorter than one chunk names a batch size and a length that each work alone")
  func tooShortSuggestsWorkingFlags() {
    let message = TrainingError.corpusTooShort(symbols: 9, batch: 2, steps: 8).advice
    #expect(message.contains("--batch-size 1 or less (with --seq-length 8)"))
    #expect(message.contains("--seq-length 4 or less (with --batch-size 2)"))
    let tiny = TrainingError.corpusTooShort(symbols: 24, batch: 32, steps: 64).advice
    #expect(!tiny.contains("--batch-size 0") && tiny.contains("--batch-size 1 --seq-length 23"))
  }

  @Test(
    "every error keeps its facts and adds the flags",
    arguments: [
      (TrainingError.validationTooShort(symbols: 3, batch: 4), "--val-fraction"),
      (.layoutMismatch(savedBatch: 8, savedSteps: 32, savedValidationFraction: 0.1), "--batch-size 8 --seq-length 32"),
      (.resumeMismatch("its random state is invalid"), "without --resume"),
      (.diverged(step: 6), "--learning-rate"),
    ])
  func adviceNamesFlags(error: TrainingError, flags: String) {
    #expect(error.advice.contains(flags))
    #expect(!error.description.contains("--"))
  }
}

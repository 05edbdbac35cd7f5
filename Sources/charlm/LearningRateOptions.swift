import ArgumentParser
import Foundation
import Training

extension LearningRateSchedule: ExpressibleByArgument {}

/// The learning-rate schedule's flags (section "Optimization"). Unset values take the saved
/// run's values with --resume, else the defaults in the help text (today's constant rate).
struct LearningRateOptions: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Warm up over the first N steps: step s takes (s+1)/N of the rate; 0: no warm-up (default: 0).", valueName: "N"))
  var warmup: Int?
  @Option(
    help: ArgumentHelp(
      "After the warm-up: constant (default), cosine (down to --min-lr at --steps), step (× --lr-decay every --lr-decay-every steps) or plateau (÷ 4 after each validation that is not a new best).",
      valueName: "schedule"))
  var lrSchedule: LearningRateSchedule?
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "The rate cosine ends at and step and plateau never go below (default: --learning-rate / 10).", valueName: "rate")
  )
  var minLr: Float?
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("The step schedule's factor, in (0, 1], as torch-rnn's (default: 0.5).", valueName: "factor"))
  var lrDecay: Float?
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("Steps between the step schedule's decays (default: one epoch).", valueName: "N"))
  var lrDecayEvery: Int?

  func validate() throws {
    try check("--warmup", warmup, 0...1_000_000_000)
    try check("--lr-decay-every", lrDecayEvery, 1...1_000_000_000)
    if let minLr, !(minLr > 0 && minLr <= 10) { throw ValidationError("--min-lr must be in (0, 10] (got \(minLr))") }
    if let lrDecay, !(lrDecay > 0 && lrDecay <= 1) {
      throw ValidationError("--lr-decay must be in (0, 1] (got \(lrDecay))")
    }
  }

  /// Writes the given flags over `options` (a resume keeps the saved values of the others).
  func apply(to options: inout TrainingOptions) {
    if let warmup { options.warmupSteps = warmup }
    if let lrSchedule { options.lrSchedule = lrSchedule }
    if let minLr { options.minLearningRate = minLr }
    if let lrDecay { options.lrDecay = lrDecay }
    if let lrDecayEvery { options.lrDecayEvery = lrDecayEvery }
  }
}

/// When a run stops besides --steps (section "Run control").
struct StoppingOptions: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Train for E passes over the training split instead of --steps: ⌈E × K⌉ steps, K = the steps of one pass (printed at the start).",
      valueName: "E"))
  var epochs: Double?
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Stop after N validations in a row without a new best validation loss; the file keeps the best weights; 0: never (default: 0).",
      valueName: "N"))
  var patience: Int?

  func validate() throws {
    try check("--patience", patience, 0...1_000_000_000)
    if let epochs, !(epochs > 0 && epochs <= 1_000_000) {
      throw ValidationError("--epochs must be in (0, 1000000] (got \(epochs))")
    }
  }

  /// Writes the given flags over `options`; `--steps` given (`stepsGiven`) replaces a saved
  /// length in epochs.
  func apply(to options: inout TrainingOptions, stepsGiven: Bool) {
    if let epochs { options.epochs = epochs } else if stepsGiven { options.epochs = nil }
    if let patience { options.patience = patience }
  }
}

/// A short sample at each validation (section "Output").
struct ValidationSampleOptions: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "At each validation, draw N symbols from the current weights (after a newline, temperature 1) to standard error and the metrics log; 0: none, min-char-rnn shows 200 (default: 0).",
      valueName: "N"))
  var valSample: Int?

  /// Symbols to draw at each validation (0: none).
  var length: Int { valSample ?? 0 }

  func validate() throws { try check("--val-sample", valSample, 0...100_000) }
}

extension TrainingOptions {
  /// The schedule and stopping rules in words for the start of a run, or nil when the run uses
  /// none of them (a constant rate, no patience, a length in steps); `chunksPerEpoch` is K.
  func scheduleDescription(chunksPerEpoch: Int) -> String? {
    var parts: [String] = []
    if let epochs { parts.append("--epochs \(epochs.shortText) × \(chunksPerEpoch) steps per epoch = \(steps) steps") }
    if warmupSteps > 0 || lrSchedule != .constant {
      var rate = warmupSteps > 0 ? "learning rate warms up over \(warmupSteps) steps, then " : "learning rate "
      // Six significant digits: a floor of 0.002 / 10 is 0.0002 here, not Float's 0.00020000001.
      let (base, floor) = (
        String(format: "%g", learningRate), String(format: "%g", min(learningRateFloor, learningRate))
      )
      switch lrSchedule {
      case .constant: rate += "stays \(base)"
      case .cosine: rate += "follows a cosine from \(base) to \(floor) at step \(steps)"
      case .step:
        rate +=
          "starts at \(base), × \(String(format: "%g", lrDecay)) every \(lrDecayEvery ?? steps) steps (floor \(floor))"
      case .plateau: rate += "starts at \(base), ÷ 4 after each validation without a new best (floor \(floor))"
      }
      parts.append(rate)
    }
    if patience > 0 { parts.append("stops after \(patience) validations without a new best") }
    return parts.isEmpty ? nil : parts.joined(separator: "; ")
  }
}

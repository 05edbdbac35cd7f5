import Foundation
import Training

extension TrainCommand {
  /// The closing lines: a human summary on stderr, and the JSON object on stdout.
  func report(_ summary: TrainingSummary, trainer: Trainer) {
    let valBits = summary.validationLoss.map { $0 / log(2) }
    if !quiet {
      let outcome =
        switch summary.stopReason {
        case .completed: "done"
        case .timeLimit: "time limit reached"
        case .interrupted: "interrupted"
        case .noImprovement: "stopped early (\(trainer.options.patience) validations without a new best)"
        }
      var line = "charlm: \(outcome) at step \(summary.steps)"
      if let loss = summary.trainLoss { line += ", train loss \(fmt(Double(loss), 4))" }
      if let v = summary.validationLoss, let b = valBits {
        line += ", validation \(fmt(v, 4)) nats (\(fmt(b, 3)) bits/char)"
      }
      line += ", \(Int(summary.symbolsPerSecond)) sym/s; saved \(model)"
      eprint(line)
    }
    guard json else { return }
    var object: [String: Any] = [
      "steps": summary.steps,
      "chars_per_second": summary.symbolsPerSecond,
      "elapsed_seconds": summary.elapsedSeconds,
      "stop_reason": summary.stopReason.rawValue,
      "model": model,
    ]
    object["train_loss"] = summary.trainLoss.map { Double($0) } ?? NSNull()
    object["val_loss"] = summary.validationLoss ?? NSNull()
    object["val_bits_per_char"] = valBits ?? NSNull()
    object["best_val_loss"] = summary.bestValidationLoss ?? NSNull()
    printJSON(object)
  }
}

import Foundation
import Training

/// Human-readable training progress on standard error: a line at most every `interval`
/// seconds, plus one line per validation.
final class Progress {
  let totalSteps: Int
  let symbolsPerStep: Int
  let interval: Double
  let quiet: Bool
  private var lastPrint = -Double.infinity
  private var recentRates: [Double] = []
  private var lastValidationBits: Double?

  init(totalSteps: Int, symbolsPerStep: Int, interval: Double = 2, quiet: Bool = false) {
    self.totalSteps = totalSteps
    self.symbolsPerStep = symbolsPerStep
    self.interval = interval
    self.quiet = quiet
  }

  func handle(_ event: TrainingEvent) {
    guard !quiet else { return }
    switch event {
    case let .step(report, rate, elapsed):
      recentRates.append(rate)
      if recentRates.count > 50 { recentRates.removeFirst() }
      guard elapsed - lastPrint >= interval || report.step == totalSteps || report.step == 1 || report.skipped else { return }
      lastPrint = elapsed
      let median = recentRates.sorted()[recentRates.count / 2]
      let bits = Double(report.loss) / log(2)
      var line = "step \(report.step)/\(totalSteps)  loss \(fmt(Double(report.loss), 4)) (\(fmt(bits, 3)) bits/char)"
      if let v = lastValidationBits { line += "  val \(fmt(v, 3)) bits/char" }
      line += "  \(Int(median)) sym/s"
      if median > 0 && report.step < totalSteps {
        line += "  ETA \(duration(Double((totalSteps - report.step) * symbolsPerStep) / median))"
      }
      if report.skipped { line += "  [non-finite loss or gradient: step skipped, learning rate halved]" }
      eprint(line)
    case let .validation(step, loss, improved):
      lastValidationBits = loss / log(2)
      eprint(
        "validation at step \(step): loss \(fmt(loss, 4)) nats, \(fmt(loss / log(2), 3)) bits/char, perplexity \(fmt(exp(loss), 2))"
          + (improved ? "  (best so far)" : ""))
    }
  }
}

/// Prints a line to standard error.
func eprint(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A duration such as `42s`, `3m05s` or `2h10m`.
func duration(_ seconds: Double) -> String {
  let s = Int(seconds.rounded())
  if s < 60 { return "\(s)s" }
  if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
  return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
}

/// `x` with `digits` decimals.
func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

import ArgumentParser

/// Flags for what `train` reports while it runs.
struct ReportingOptions: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: "Seconds between progress lines when standard error is not a terminal, and between metrics-log lines.")
  var progressInterval: Double = 2

  @Flag(
    help:
      "Do not write the metrics log <model>.metrics.jsonl (JSON Lines: step, time, losses, learning rate, gradient norm, symbols/s)."
  )
  var noMetrics = false

  func validate() throws {
    if !(progressInterval >= 0 && progressInterval.isFinite) {
      throw ValidationError("--progress-interval must be ≥ 0 seconds (got \(progressInterval))")
    }
  }
}

import ArgumentParser

/// Flags for what `charlm plot` draws: the x axis, the smoothing and the loss range.
struct PlotOptions: ParsableArguments {
  @Option(
    name: .customLong("x"),
    help: ArgumentHelp(
      "What x is: step, time (training seconds, summed over resumes; shown in s, min or h) or epoch.",
      valueName: "axis"))
  var axis: PlotAxis = .step

  @Option(
    help: ArgumentHelp(
      "Smoothing of the training loss: 0 off, a number in (0, 1) an exponential moving average of that weight (e.g. 0.9), an integer ≥ 2 the mean of that many logged points centred on each. The logged curve stays, faint.",
      valueName: "amount"))
  var smooth: Smoothing = .off

  @Option(help: "Bottom of the loss axis, bits/char (default: from the later 90% of each run).")
  var ymin: Double?

  @Option(
    help:
      "Top of the loss axis, bits/char (default: from the later 90% of each run, so the first steps do not squash it).")
  var ymax: Double?

  func validate() throws {
    for (flag, value) in [("--ymin", ymin), ("--ymax", ymax)] {
      if let value, !(value.isFinite && value >= 0 && value <= 1e6) {
        throw ValidationError("\(flag) must be between 0 and 10^6 bits/char (got \(value))")
      }
    }
    if let ymin, let ymax, !(ymin < ymax) {
      throw ValidationError("--ymin (\(ymin)) must be below --ymax (\(ymax))")
    }
  }
}

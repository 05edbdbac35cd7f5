import Foundation
import Training

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How training progress is shown on standard error.
enum ProgressStyle: Equatable {
  /// A terminal: one status line redrawn in place (`\r` + clear to end of line), cut to the
  /// terminal's width so that it never wraps; validations and saves print as lines of their own.
  case live
  /// Not a terminal (a log file, a pipe): a plain line every `interval` seconds.
  case lines
  /// Nothing (`--quiet`).
  case quiet

  /// `.live` when standard error is a terminal that understands `ESC [K`, else `.lines`.
  static func forStandardError(quiet: Bool) -> ProgressStyle {
    if quiet { return .quiet }
    let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
    return isatty(2) != 0 && term != "dumb" ? .live : .lines
  }
}

/// Human-readable training progress: step/total, epoch, train loss, the last validation's
/// bits/char, symbols/s and the time left.
///
/// Pure formatting over ``TrainingEvent``s: the time is the event's own `elapsedSeconds`, and
/// the text goes to `write`, so tests feed synthetic events and compare the text.
final class ProgressDisplay {
  /// Steps the run ends at (`--steps`).
  let totalSteps: Int
  /// Chunks per epoch K: step / K is the epoch.
  let chunksPerEpoch: Int
  /// Symbols predicted per step (T·B), for the time left.
  let symbolsPerStep: Int
  let style: ProgressStyle
  /// Seconds between lines in `.lines` style.
  let interval: Double
  /// Seconds between redraws in `.live` style.
  let redrawInterval: Double
  /// `--max-time`: the time left is never more than what remains of it.
  let timeLimit: Double?
  /// Whether the line shows the step's learning rate (a run whose rate changes).
  let showsLearningRate: Bool
  private let write: (String) -> Void
  /// The terminal's width in columns, asked at every live redraw.
  private let columns: () -> Int
  private var lastShown = -Double.infinity
  private var firstStepSeen = false
  private var recentRates: [Double] = []
  private var lastValidationBits: Double?
  /// True while a live line is on screen without its newline.
  private var liveLineOpen = false
  /// Signals received (``Interrupts/signalsReceived``) when the live line was last drawn: a signal's
  /// message since then has ended that line already.
  private let interruptions: () -> Int
  private var interruptionsAtRedraw = 0
  /// The latest validation's line, held until its checkpoint is written (``saved()``), so
  /// "saved" is printed only once the model file is really there.
  private var pendingValidation: (text: String, improved: Bool)?

  /// - write: receives the text exactly as it should appear (lines end in `\n`; live redraws
  ///   start with `\r`); the default writes to standard error.
  /// - columns: the terminal's width, which a live line is fitted to (``StatusLine``).
  init(
    totalSteps: Int, chunksPerEpoch: Int, symbolsPerStep: Int, style: ProgressStyle, interval: Double = 2,
    redrawInterval: Double = 0.1, timeLimit: Double? = nil, showsLearningRate: Bool = false,
    write: @escaping (String) -> Void = writeStandardError, columns: @escaping () -> Int = standardErrorColumns,
    interruptions: @escaping () -> Int = { Interrupts.signalsReceived }
  ) {
    self.totalSteps = totalSteps
    self.chunksPerEpoch = max(chunksPerEpoch, 1)
    self.symbolsPerStep = symbolsPerStep
    self.style = style
    self.interval = interval
    self.redrawInterval = redrawInterval
    self.timeLimit = timeLimit
    self.showsLearningRate = showsLearningRate
    self.write = write
    self.columns = columns
    self.interruptions = interruptions
  }

  /// Shows what `event` changes.
  func handle(_ event: TrainingEvent) {
    guard style != .quiet else { return }
    switch event {
    case .step(let report, let rate, let elapsed):
      recentRates.append(rate)
      if recentRates.count > 50 { recentRates.removeFirst() }
      let first = !firstStepSeen
      firstStepSeen = true
      let gap = style == .live ? redrawInterval : interval
      guard first || elapsed - lastShown >= gap || report.step == totalSteps || report.skipped else { return }
      lastShown = elapsed
      let line = statusFields(report, elapsed: elapsed)
      if style == .live {
        write(line.redraw(columns: columns()))
        liveLineOpen = true
        interruptionsAtRedraw = interruptions()
        // A skipped step is worth keeping on screen.
        if report.skipped { finishLine() }
      } else {
        write(line.full + "\n")
      }
    case .validation(let step, let loss, let improved):
      lastValidationBits = loss / log(2)
      showValidation(saved: false)
      pendingValidation = (
        "validation at step \(step): loss \(fmt(loss, 4)) nats, \(fmt(loss / log(2), 3)) bits/char, "
          + "perplexity \(fmt(exp(loss), 2))", improved
      )
    }
  }

  /// The checkpoint after the latest validation was written: shows that validation's line.
  func saved() {
    showValidation(saved: true)
  }

  /// Prints the pending validation line, if any; a best one says whether it was saved.
  private func showValidation(saved: Bool) {
    guard let pending = pendingValidation else { return }
    pendingValidation = nil
    line(pending.text + (pending.improved ? (saved ? "  (best so far; saved)" : "  (best so far; not saved)") : ""))
  }

  /// Prints `text` as a line of its own, after finishing the live line if one is open.
  func line(_ text: String) {
    guard style != .quiet else { return }
    finishLine()
    write(text + "\n")
  }

  /// Ends the live line (keeps it on screen) so that the next output starts on a fresh line,
  /// unless a signal's message ended it already (no blank line after "interrupted; finishing this
  /// step"); a validation line still pending (its save failed) is printed as not saved.
  func finishLine() {
    if liveLineOpen && interruptions() == interruptionsAtRedraw { write("\n") }
    liveLineOpen = false
    showValidation(saved: false)
  }

  /// The status line's fields with their shorter forms: in full (``StatusLine/full``)
  /// `step 137/1000  epoch 1.37  loss 1.8234 (2.631 bits/char)  val 2.412 bits/char  5210 sym/s  ETA 3m05s`,
  /// at 80 columns `step 137/1000  epoch 1.37  loss 2.631 b/c  val 2.412 b/c  5210 sym/s  ETA 3m05s`.
  func statusFields(_ report: Trainer.StepReport, elapsed: Double) -> StatusLine {
    let median = recentRates.sorted()[recentRates.count / 2]
    let bits = fmt(Double(report.loss) / log(2), 3)
    let epoch = fmt(Double(report.step) / Double(chunksPerEpoch), 2)
    var eta = ""
    if median > 0 && report.step < totalSteps {
      var left = Double((totalSteps - report.step) * symbolsPerStep) / median
      if let timeLimit { left = max(0, min(left, timeLimit - elapsed)) }
      eta = duration(left)
    }
    let val = lastValidationBits.map { fmt($0, 3) }
    let rateField: [String] = showsLearningRate ? ["lr " + String(format: "%.3g", report.learningRate), ""] : [""]
    let fields = [
      ["step \(report.step)/\(totalSteps)", "\(report.step)/\(totalSteps)"],
      ["epoch \(epoch)", "ep \(epoch)", ""],
      [
        "loss \(fmt(Double(report.loss), 4)) (\(bits) bits/char)", "loss \(bits) bits/char", "loss \(bits) b/c",
        "\(bits) b/c",
      ],
      rateField,
      val.map { ["val \($0) bits/char", "val \($0) b/c", "val \($0)", ""] } ?? [""],
      ["\(Int(median)) sym/s", ""],
      eta.isEmpty ? [""] : ["ETA \(eta)", eta, ""],
      report.skipped
        ? [
          "[non-finite loss or gradient: step skipped, learning rate halved]", "[step skipped, lr halved]", "[skipped]",
        ]
        : [""],
    ]
    // Units and words go first, then separators, then whole fields, the least useful first.
    let (step, ep, loss, lr, v, rate, time, note) = (0, 1, 2, 3, 4, 5, 6, 7)
    return StatusLine(
      fields: fields,
      shrinkOrder: [
        loss, note, loss, v, ep, note, step, StatusLine.singleSpaces, rate, ep, lr, v, loss, time, v, time,
      ])
  }
}

/// Writes `text` to standard error as is.
func writeStandardError(_ text: String) {
  StandardStreams.writeError(text)
}

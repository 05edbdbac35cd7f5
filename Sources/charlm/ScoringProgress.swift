/// Progress of `charlm perplexity` on standard error: nothing for a text scored within
/// `delay` seconds; then, on a terminal, one line redrawn in place (and erased at the end),
/// else a line every `interval` seconds. Never on standard output.
///
/// Pure formatting over the elapsed seconds the caller passes, so tests drive it with a fake
/// clock and compare the text.
final class ScoringProgress {
  let name: String
  let style: ProgressStyle
  /// Seconds of silence before the first report (short texts print nothing).
  let delay: Double
  /// Seconds between lines in `.lines` style.
  let interval: Double
  /// Seconds between redraws in `.live` style.
  let redrawInterval: Double
  private let write: (String) -> Void
  /// The terminal's width, asked at every live redraw.
  private let columns: () -> Int
  private var lastShown: Double?
  private var liveLineOpen = false

  /// - write: receives the text exactly as it should appear; the default writes to standard error.
  init(
    name: String, style: ProgressStyle, delay: Double = 1, interval: Double = 5, redrawInterval: Double = 0.2,
    write: @escaping (String) -> Void = { StandardStreams.writeError($0) },
    columns: @escaping () -> Int = standardErrorColumns
  ) {
    (self.name, self.style, self.delay, self.interval, self.redrawInterval) = (
      name, style, delay, interval, redrawInterval
    )
    self.write = write
    self.columns = columns
  }

  /// `predicted` of `total` symbols done after `elapsed` seconds.
  func update(predicted: Int, total: Int, elapsed: Double) {
    guard style != .quiet, elapsed >= delay, predicted < total else { return }
    if let lastShown, elapsed - lastShown < (style == .live ? redrawInterval : interval) { return }
    lastShown = elapsed
    let rate = Double(predicted) / max(elapsed, 1e-9)
    let left = rate > 0 ? Double(total - predicted) / rate : 0
    let text = ControlCharacters.escaped(
      "charlm: \(name): \(predicted * 100 / max(total, 1))% (\(predicted)/\(total) symbols), "
        + "\(Int(rate)) sym/s, \(duration(left)) left")
    if style == .live {
      // Cut to the terminal's width, as the training line is, so a redraw never wraps.
      write(StatusLine(fields: [[text]], shrinkOrder: []).redraw(columns: columns()))
      liveLineOpen = true
    } else {
      write(text + "\n")
    }
  }

  /// Erases the live line, if one is on screen, so the result starts on a clean line.
  func finish() {
    if liveLineOpen { write("\r\u{1B}[K") }
    liveLineOpen = false
  }
}

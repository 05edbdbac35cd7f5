#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The live progress line as pieces, each in the forms it can take, so that it can be cut to the
/// terminal's width: a line as wide as the terminal (or wider) wraps, and every `\r` redraw then
/// leaves the wrapped row behind on screen.
///
/// Pure: ``fitted(columns:)`` is a function of the fields and the width only.
struct StatusLine: Equatable {
  /// Each field's forms, longest (the one `.lines` style prints) first; an empty form drops the field.
  var fields: [[String]]
  /// How the line gives way, one entry at a time: a field's index moves that field to its next
  /// shorter form; ``singleSpaces`` joins the fields with one space instead of two from then on.
  var shrinkOrder: [Int]

  /// The entry of ``shrinkOrder`` that switches to single-space separators.
  static let singleSpaces = -1

  /// The full line: every field in its longest form, two spaces apart (the `.lines` style text).
  var full: String { Self.join(fields.map { $0[0] }, separator: "  ") }

  /// The longest form of the line that fits in `columns − 1` characters (the last column stays
  /// free, so a terminal never wraps it), shrinking fields in ``shrinkOrder``; when even the
  /// shortest forms are too wide, their text cut to `columns − 1`.
  func fitted(columns: Int) -> String {
    let limit = max(columns - 1, 0)
    var form = [Int](repeating: 0, count: fields.count)
    var separator = "  "
    func text() -> String {
      Self.join(zip(fields, form).map { $0[min($1, $0.count - 1)] }, separator: separator)
    }
    var line = text()
    for entry in shrinkOrder where line.count > limit {
      if entry == Self.singleSpaces { separator = " " } else { form[entry] += 1 }
      line = text()
    }
    return line.count > limit ? String(line.prefix(limit)) : line
  }

  /// What redraws the line in place on a terminal `columns` wide: a carriage return, the line
  /// ``fitted(columns:)``, and clear-to-end-of-line (the rest of a longer previous line).
  func redraw(columns: Int) -> String { "\r" + fitted(columns: columns) + "\u{1B}[K" }

  /// The non-empty `parts` joined by `separator`.
  static func join(_ parts: [String], separator: String) -> String {
    parts.filter { !$0.isEmpty }.joined(separator: separator)
  }
}

/// The width of the terminal on standard error, in columns: its `TIOCGWINSZ` size, else
/// `$COLUMNS`, else 80. Asked at every redraw (one `ioctl`, at most 10 times a second), so a
/// resized window is followed without a `SIGWINCH` handler.
func standardErrorColumns() -> Int {
  var size = winsize()
  if ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 { return Int(size.ws_col) }
  if let text = getenv("COLUMNS"), let columns = Int(String(cString: text)), columns > 0 { return columns }
  return 80
}

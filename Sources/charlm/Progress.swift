import Foundation

// Small formatting helpers shared by the commands; training progress is ProgressDisplay.swift.

/// Prints a line to standard error (best effort), control characters in it escaped.
func eprint(_ line: String) {
  StandardStreams.writeError(ControlCharacters.escaped(line) + "\n")
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

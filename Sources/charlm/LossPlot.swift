import Foundation

/// A loss curve as SVG: training and validation loss in bits/char against the step, with axes,
/// ticks, grid, title and legend. Plain SVG 1.1 with a viewBox, no scripts or fonts to fetch.
struct LossPlot {
  /// (step, bits/char) points of the training loss, by step.
  let train: [(step: Int, bits: Double)]
  /// (step, bits/char) points of the validation loss, by step.
  let validation: [(step: Int, bits: Double)]
  let title: String

  /// Canvas size and the plot area inside it (SVG user units).
  let width = 800.0, height = 480.0
  let left = 72.0, right = 24.0, top = 48.0, bottom = 56.0

  /// Axis ranges (rounded outwards to ticks) and tick spacing.
  let xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>
  let xTick: Double, yTick: Double

  /// A plot of `records`. When steps go back (a run resumed from an earlier save, after a
  /// crash), the later records replace the earlier ones from that step on, so the curve is the
  /// path the final model took.
  init(records: [MetricsRecord], title: String) {
    self.title = title
    let log2 = log(2.0)
    // Validation lines carry the training loss of their step too: the last step of a run that
    // hit --max-time is often logged only there.
    train = Self.monotone(records.compactMap { r in r.trainLoss.map { (r.step, $0 / log2) } })
      .filter { Self.plausibleBits.contains($0.bits) }
    validation = Self.monotone(
      records.compactMap { r in r.event == "validation" ? r.valLoss.map { (r.step, $0 / log2) } : nil }
    ).filter { Self.plausibleBits.contains($0.bits) }
    let all = (train + validation).filter { $0.bits.isFinite }
    let steps = all.map { Double($0.step) }
    let bits = all.map(\.bits)
    (xDomain, xTick) = Self.niceAxis(min(0, steps.min() ?? 0), steps.max() ?? 1)
    (yDomain, yTick) = Self.niceAxis(bits.min() ?? 0, bits.max() ?? 1)
  }

  /// Losses drawn, bits/char: a log edited by hand can hold ±1e308, whose axis range overflows
  /// to infinity; no real loss is negative or near a million bits per character.
  static let plausibleBits = 0.0...1e6

  /// Keeps, for each record, only if no later record has a smaller or equal step.
  static func monotone(_ points: [(step: Int, bits: Double)]) -> [(step: Int, bits: Double)] {
    var kept: [(step: Int, bits: Double)] = []
    for p in points {
      while let last = kept.last, last.step >= p.step { kept.removeLast() }
      kept.append(p)
    }
    return kept
  }

  /// A range covering [lo, hi] whose ends are multiples of a 1-2-5 tick spacing, ~5–10 ticks.
  static func niceAxis(_ lo: Double, _ hi: Double) -> (ClosedRange<Double>, Double) {
    var (lo, hi) = (lo, hi)
    if hi - lo < 1e-9 { (lo, hi) = (lo - 0.5, hi + 0.5) }
    let raw = (hi - lo) / 6
    let magnitude = pow(10, floor(log10(raw)))
    let tick = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    return ((floor(lo / tick) * tick)...(ceil(hi / tick) * tick), tick)
  }

  /// The horizontal SVG coordinate of `step`.
  func x(_ step: Double) -> Double {
    left + (step - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound) * (width - left - right)
  }

  /// The vertical SVG coordinate of `bits` (higher loss is higher up).
  func y(_ bits: Double) -> Double {
    height - bottom - (bits - yDomain.lowerBound) / (yDomain.upperBound - yDomain.lowerBound) * (height - top - bottom)
  }

  /// How every plot's SVG text begins (what `plot --output` recognizes as its own file).
  static let prefix = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""

  /// The SVG document (it starts with ``prefix``).
  func svg() -> String {
    let (plotRight, plotBottom) = (width - right, height - bottom)
    var out = """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(n(width))" height="\(n(height))" \
      viewBox="0 0 \(n(width)) \(n(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
      <title>\(escapeXML(title))</title>
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(n(width / 2))" y="28" text-anchor="middle" font-size="16" font-weight="bold">\(escapeXML(title))</text>

      """
    // Grid and ticks.
    out += "<g id=\"x-axis\" stroke=\"#ddd\">\n"
    for value in ticks(xDomain, xTick) {
      let px = n(x(value))
      out += "  <line x1=\"\(px)\" y1=\"\(n(top))\" x2=\"\(px)\" y2=\"\(n(plotBottom))\"/>\n"
      out +=
        "  <line x1=\"\(px)\" y1=\"\(n(plotBottom))\" x2=\"\(px)\" y2=\"\(n(plotBottom + 5))\" stroke=\"black\"/>\n"
      out +=
        "  <text x=\"\(px)\" y=\"\(n(plotBottom + 19))\" text-anchor=\"middle\" stroke=\"none\">\(label(value, xTick))</text>\n"
    }
    out += "</g>\n<g id=\"y-axis\" stroke=\"#ddd\">\n"
    for value in ticks(yDomain, yTick) {
      let py = n(y(value))
      out += "  <line x1=\"\(n(left))\" y1=\"\(py)\" x2=\"\(n(plotRight))\" y2=\"\(py)\"/>\n"
      out += "  <line x1=\"\(n(left - 5))\" y1=\"\(py)\" x2=\"\(n(left))\" y2=\"\(py)\" stroke=\"black\"/>\n"
      out +=
        "  <text x=\"\(n(left - 8))\" y=\"\(n(y(value) + 4))\" text-anchor=\"end\" stroke=\"none\">\(label(value, yTick))</text>\n"
    }
    out += "</g>\n"
    out +=
      "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotRight - left))\" height=\"\(n(plotBottom - top))\" fill=\"none\" stroke=\"black\"/>\n"
    out += "<text x=\"\(n((left + plotRight) / 2))\" y=\"\(n(height - 14))\" text-anchor=\"middle\">step</text>\n"
    out +=
      "<text transform=\"translate(20 \(n((top + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\">loss (bits/char)</text>\n"

    // Curves.
    if !train.isEmpty {
      out +=
        "<polyline id=\"train\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(points(train))\"/>\n"
    }
    if !validation.isEmpty {
      out += "<g id=\"validation\" stroke=\"#d62728\" fill=\"#d62728\">\n"
      out += "  <polyline fill=\"none\" stroke-width=\"1.5\" points=\"\(points(validation))\"/>\n"
      for p in validation where p.bits.isFinite {
        out += "  <circle cx=\"\(n(x(Double(p.step))))\" cy=\"\(n(y(p.bits)))\" r=\"3\"/>\n"
      }
      out += "</g>\n"
    }

    // Legend, top right inside the plot area.
    let lx = plotRight - 170
    let ly = top + 12
    out += "<g id=\"legend\">\n"
    out +=
      "  <rect x=\"\(n(lx - 10))\" y=\"\(n(ly - 4))\" width=\"170\" height=\"\(validation.isEmpty ? 26 : 46)\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999\"/>\n"
    out +=
      "  <line x1=\"\(n(lx))\" y1=\"\(n(ly + 9))\" x2=\"\(n(lx + 26))\" y2=\"\(n(ly + 9))\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n"
    out += "  <text x=\"\(n(lx + 34))\" y=\"\(n(ly + 13))\">training loss</text>\n"
    if !validation.isEmpty {
      out +=
        "  <line x1=\"\(n(lx))\" y1=\"\(n(ly + 29))\" x2=\"\(n(lx + 26))\" y2=\"\(n(ly + 29))\" stroke=\"#d62728\" stroke-width=\"2\"/>\n"
      out += "  <circle cx=\"\(n(lx + 13))\" cy=\"\(n(ly + 29))\" r=\"3\" fill=\"#d62728\"/>\n"
      out += "  <text x=\"\(n(lx + 34))\" y=\"\(n(ly + 33))\">validation loss</text>\n"
    }
    out += "</g>\n</svg>\n"
    return out
  }

  func points(_ series: [(step: Int, bits: Double)]) -> String {
    series.filter { $0.bits.isFinite }.map { "\(n(x(Double($0.step)))),\(n(y($0.bits)))" }.joined(separator: " ")
  }

  func ticks(_ domain: ClosedRange<Double>, _ tick: Double) -> [Double] {
    let count = Int(((domain.upperBound - domain.lowerBound) / tick).rounded())
    return (0...count).map { domain.lowerBound + Double($0) * tick }
  }

  /// A tick label with as many decimals as the spacing needs.
  func label(_ value: Double, _ tick: Double) -> String {
    let decimals = max(0, -Int(floor(log10(tick) + 1e-9)))
    return String(format: "%.\(decimals)f", value)
  }

  /// A coordinate with at most 2 decimals.
  func n(_ value: Double) -> String {
    let s = String(format: "%.2f", value)
    var t = Substring(s)
    while t.hasSuffix("0") { t = t.dropLast() }
    if t.hasSuffix(".") { t = t.dropLast() }
    return String(t)
  }
}

/// `text` with the five XML special characters escaped, and characters XML 1.0 forbids removed.
func escapeXML(_ text: String) -> String {
  var out = ""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&apos;"
    case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
    default:
      if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
      out.unicodeScalars.append(scalar)
    }
  }
  return out
}

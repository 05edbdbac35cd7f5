import Foundation

/// A loss plot as SVG: above, the training loss (and, smoothed, a bolder curve over the faint
/// logged one) and the validation loss of one or more runs in bits/char; below, a panel of
/// their learning rates; x as step, time or epoch. Plain SVG 1.1 with a viewBox, no scripts or
/// fonts to fetch.
///
/// The loss axis is chosen from the later 90% of each run (``lossRange(_:)``), so the first
/// steps' high loss (8 bits/char falling to 2 in a few dozen steps) does not squash the part a
/// reader compares; what lies above is cut at the panel's edge and a note says so.
struct LossPlot {
  let runs: [PlotRun]
  let title: String
  /// What x is, and the axis title: `step`, `time (min)`, `epoch`.
  let axis: PlotAxis
  let xTitle: String
  /// The training curves' smoothing, for the legend.
  let smoothing: Smoothing

  /// Canvas size and the two panels inside it (SVG user units; y grows downwards).
  let width = 900.0, height = 640.0
  let left = 80.0, right = 24.0, top = 52.0
  let lossBottom = 420.0, rateTop = 450.0, rateBottom = 570.0

  /// Axis ranges (rounded outwards to ticks, or as forced) and tick spacing.
  let xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>, rateDomain: ClosedRange<Double>
  let xTick: Double, yTick: Double, rateTick: Double
  /// The highest loss drawn above ``yDomain`` (cut at the panel's edge), if any.
  let highestCut: Double?

  /// A plot of `runs`, whose x are in ``PlotAxis`` units (seconds for time: shown in seconds,
  /// minutes or hours, whichever keeps the numbers short); `yMin`/`yMax` force the loss axis.
  init(
    runs: [PlotRun], title: String, axis: PlotAxis = .step, smoothing: Smoothing = .off, yMin: Double? = nil,
    yMax: Double? = nil
  ) {
    var runs = runs
    let lastX = runs.flatMap(\.xs).max() ?? 1
    var xTitle = axis.rawValue
    if axis == .time {
      let (divisor, unit) = lastX >= 7200 ? (3600.0, "h") : lastX >= 600 ? (60.0, "min") : (1.0, "s")
      xTitle = "time (\(unit))"
      for i in runs.indices {
        for key in [\PlotRun.train, \.smoothedTrain, \.validation, \.learningRate] {
          runs[i][keyPath: key] = runs[i][keyPath: key].map { PlotPoint(x: $0.x / divisor, y: $0.y) }
        }
      }
    }
    self.runs = runs
    self.title = title
    self.axis = axis
    self.xTitle = xTitle
    self.smoothing = smoothing
    let xs = runs.flatMap(\.xs)
    (xDomain, xTick) = Self.niceAxis(min(0, xs.min() ?? 0), xs.max() ?? 1)
    let (lo, hi) = Self.lossRange(runs)
    // Finer ticks than x: the loss panel is tall, and a 0.5 spacing would leave much of it empty.
    var (domain, tick) = Self.niceAxis(yMin ?? lo, yMax ?? hi, intervals: 10)
    if yMin != nil || yMax != nil {
      domain = (yMin ?? domain.lowerBound)...(yMax ?? domain.upperBound)
      tick = Self.niceAxis(domain.lowerBound, domain.upperBound, intervals: 10).1
    }
    (yDomain, yTick) = (domain, tick)
    let drawn = runs.flatMap { $0.train + $0.validation }.map(\.y)
    highestCut = drawn.filter { $0 > domain.upperBound }.max()
    // Headroom above the highest rate, so that a constant rate does not lie on the frame.
    let highestRate = runs.flatMap(\.learningRate).map(\.y).max() ?? 1
    (rateDomain, rateTick) = Self.niceAxis(0, highestRate * 1.1, intervals: 4)
  }

  /// The loss range a reader compares, bits/char: over each run's points past the first 10% of
  /// its x span (all its points when fewer than 5 remain), from the lowest value to the highest
  /// validation loss or the 99th percentile of the (smoothed) training loss, padded by 5%.
  static func lossRange(_ runs: [PlotRun]) -> (Double, Double) {
    var train: [Double] = []
    var validation: [Double] = []
    for run in runs {
      let xs = (run.smoothedTrain + run.validation).map(\.x)
      guard let first = xs.min(), let last = xs.max() else { continue }
      let cutoff = first + 0.1 * (last - first)
      func later(_ points: [PlotPoint]) -> [Double] {
        let kept = points.filter { $0.x >= cutoff }
        return (kept.count >= 5 ? kept : points).map(\.y)
      }
      train += later(run.smoothedTrain)
      validation += later(run.validation)
    }
    let sorted = train.sorted()
    let percentile = sorted.isEmpty ? nil : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
    let lo = min(sorted.first ?? .infinity, validation.min() ?? .infinity)
    let hi = max(percentile ?? -.infinity, validation.max() ?? -.infinity)
    guard lo.isFinite && hi.isFinite else { return (0, 1) }
    let pad = 0.05 * (hi - lo)
    return (max(0, lo - pad), hi + pad)
  }

  /// A range covering [lo, hi] whose ends are multiples of a 1-2-5 tick spacing, about
  /// `intervals` to twice that many ticks apart.
  static func niceAxis(_ lo: Double, _ hi: Double, intervals: Double = 6) -> (ClosedRange<Double>, Double) {
    var (lo, hi) = (min(lo, hi), max(lo, hi))
    if hi - lo < 1e-9 { (lo, hi) = (lo - 0.5, hi + 0.5) }
    let raw = (hi - lo) / intervals
    let magnitude = pow(10, floor(log10(raw)))
    let tick = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    return ((floor(lo / tick) * tick)...(ceil(hi / tick) * tick), tick)
  }

  /// The horizontal SVG coordinate of `value` on the x axis.
  func x(_ value: Double) -> Double {
    left + (value - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound) * (width - left - right)
  }

  /// The vertical SVG coordinate of a loss in bits/char (higher loss is higher up).
  func y(_ bits: Double) -> Double {
    lossBottom - (bits - yDomain.lowerBound) / (yDomain.upperBound - yDomain.lowerBound) * (lossBottom - top)
  }

  /// The vertical SVG coordinate of a learning rate in the lower panel.
  func rateY(_ rate: Double) -> Double {
    rateBottom - (rate - rateDomain.lowerBound) / (rateDomain.upperBound - rateDomain.lowerBound)
      * (rateBottom - rateTop)
  }

  /// How every plot's SVG text begins (what `plot --output` recognizes as its own file).
  static let prefix = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""

  /// Ten distinct colours (matplotlib's tab10); one run uses blue for training, red for validation.
  static let palette = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  ]

  /// The colours of run `index`'s training and validation curves.
  func colors(_ index: Int) -> (train: String, validation: String) {
    runs.count == 1 ? ("#1f77b4", "#d62728") : (Self.palette[index % 10], Self.palette[index % 10])
  }

  /// The SVG document (it starts with ``prefix``).
  func svg() -> String {
    let plotRight = width - right
    var out = """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(n(width))" height="\(n(height))" \
      viewBox="0 0 \(n(width)) \(n(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
      <title>\(escapeXML(title))</title>
      <defs>
        <clipPath id="loss-area"><rect x="\(n(left))" y="\(n(top))" width="\(n(plotRight - left))" \
      height="\(n(lossBottom - top))"/></clipPath>
        <clipPath id="rate-area"><rect x="\(n(left))" y="\(n(rateTop - 2))" width="\(n(plotRight - left))" \
      height="\(n(rateBottom - rateTop + 4))"/></clipPath>
      </defs>
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(n(width / 2))" y="30" text-anchor="middle" font-size="16" font-weight="bold">\(escapeXML(title))</text>

      """
    // Grids, ticks and frames: x ticks on both panels, labels under the lower one.
    out += "<g id=\"x-axis\" stroke=\"#ddd\">\n"
    for value in ticks(xDomain, xTick) {
      let px = n(x(value))
      for (upper, lower) in [(top, lossBottom), (rateTop, rateBottom)] {
        out += "  <line x1=\"\(px)\" y1=\"\(n(upper))\" x2=\"\(px)\" y2=\"\(n(lower))\"/>\n"
        out += "  <line x1=\"\(px)\" y1=\"\(n(lower))\" x2=\"\(px)\" y2=\"\(n(lower + 5))\" stroke=\"black\"/>\n"
      }
      out +=
        "  <text x=\"\(px)\" y=\"\(n(rateBottom + 19))\" text-anchor=\"middle\" stroke=\"none\">\(label(value, xTick))</text>\n"
    }
    out += "</g>\n"
    out += yAxis(id: "y-axis", domain: yDomain, tick: yTick, map: y)
    out += yAxis(id: "rate-axis", domain: rateDomain, tick: rateTick, map: rateY)
    for (upper, lower) in [(top, lossBottom), (rateTop, rateBottom)] {
      out +=
        "<rect x=\"\(n(left))\" y=\"\(n(upper))\" width=\"\(n(plotRight - left))\" height=\"\(n(lower - upper))\" fill=\"none\" stroke=\"black\"/>\n"
    }
    out +=
      "<text x=\"\(n((left + plotRight) / 2))\" y=\"\(n(height - 20))\" text-anchor=\"middle\">\(escapeXML(xTitle))</text>\n"
    out += verticalTitle("loss (bits/char)", at: (top + lossBottom) / 2)
    out += verticalTitle("learning rate", at: (rateTop + rateBottom) / 2)

    // Curves: faint logged training loss under its smoothed curve, validation dashed with dots.
    for (index, run) in runs.enumerated() {
      let (trainColor, validationColor) = colors(index)
      out += "<g id=\"run-\(index)\" clip-path=\"url(#loss-area)\">\n"
      if !run.train.isEmpty {
        if smoothing != .off {
          out +=
            "  <polyline class=\"train-logged\" fill=\"none\" stroke=\"\(trainColor)\" stroke-opacity=\"0.25\" stroke-width=\"1\" points=\"\(points(run.train, y))\"/>\n"
        }
        out +=
          "  <polyline class=\"train\" fill=\"none\" stroke=\"\(trainColor)\" stroke-width=\"1.8\" points=\"\(points(run.smoothedTrain, y))\"/>\n"
      }
      if !run.validation.isEmpty {
        out +=
          "  <polyline class=\"validation\" fill=\"none\" stroke=\"\(validationColor)\" stroke-width=\"1.8\" stroke-dasharray=\"6 3\" points=\"\(points(run.validation, y))\"/>\n"
        for p in run.validation {
          out +=
            "  <circle class=\"validation\" cx=\"\(n(x(p.x)))\" cy=\"\(n(y(p.y)))\" r=\"3\" fill=\"\(validationColor)\"/>\n"
        }
      }
      out += "</g>\n"
    }
    out += "<g id=\"learning-rate\" clip-path=\"url(#rate-area)\">\n"
    for (index, run) in runs.enumerated() where !run.learningRate.isEmpty {
      out +=
        "  <polyline class=\"learning-rate\" fill=\"none\" stroke=\"\(colors(index).train)\" stroke-width=\"1.5\" points=\"\(points(run.learningRate, rateY))\"/>\n"
    }
    out += "</g>\n"
    if let highestCut {
      out +=
        "<text id=\"cut-note\" x=\"\(n(left))\" y=\"\(n(top - 7))\" fill=\"#555\" font-size=\"11\">↑ earlier losses up to \(fmt(highestCut, 2)) bits/char are above the top (--ymax \(label(ceil(highestCut / yTick) * yTick, yTick)) shows them)</text>\n"
    }
    out += legend()
    out += "</svg>\n"
    return out
  }

  /// The legend, top right inside the loss panel: a row per curve.
  func legend() -> String {
    var rows: [(color: String, dashed: Bool, text: String)] = []
    let smoothed = smoothing.label.map { " (\($0))" } ?? ""
    for (index, run) in runs.enumerated() {
      let (trainColor, validationColor) = colors(index)
      let name = runs.count == 1 ? "" : "\(run.name): "
      if !run.train.isEmpty { rows.append((trainColor, false, "\(name)training\(smoothed)")) }
      if !run.validation.isEmpty { rows.append((validationColor, true, "\(name)validation")) }
    }
    guard !rows.isEmpty else { return "" }
    // DejaVu Sans at 12 px averages under 7 px a character.
    let boxWidth = 52 + 7 * Double(rows.map(\.text.count).max() ?? 0)
    let lx = width - right - boxWidth - 10
    let ly = top + 10
    var out = "<g id=\"legend\">\n"
    out +=
      "  <rect x=\"\(n(lx))\" y=\"\(n(ly))\" width=\"\(n(boxWidth))\" height=\"\(n(Double(rows.count) * 20 + 8))\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999\"/>\n"
    for (i, row) in rows.enumerated() {
      let rowY = ly + 14 + Double(i) * 20
      out +=
        "  <line x1=\"\(n(lx + 10))\" y1=\"\(n(rowY))\" x2=\"\(n(lx + 38))\" y2=\"\(n(rowY))\" stroke=\"\(row.color)\" stroke-width=\"2\"\(row.dashed ? " stroke-dasharray=\"6 3\"" : "")/>\n"
      if row.dashed { out += "  <circle cx=\"\(n(lx + 24))\" cy=\"\(n(rowY))\" r=\"3\" fill=\"\(row.color)\"/>\n" }
      out += "  <text x=\"\(n(lx + 46))\" y=\"\(n(rowY + 4))\">\(escapeXML(row.text))</text>\n"
    }
    out += "</g>\n"
    return out
  }

  /// Horizontal grid lines, ticks and labels of a panel's y axis.
  func yAxis(id: String, domain: ClosedRange<Double>, tick: Double, map: (Double) -> Double) -> String {
    var out = "<g id=\"\(id)\" stroke=\"#ddd\">\n"
    for value in ticks(domain, tick) {
      let py = n(map(value))
      out += "  <line x1=\"\(n(left))\" y1=\"\(py)\" x2=\"\(n(width - right))\" y2=\"\(py)\"/>\n"
      out += "  <line x1=\"\(n(left - 5))\" y1=\"\(py)\" x2=\"\(n(left))\" y2=\"\(py)\" stroke=\"black\"/>\n"
      out +=
        "  <text x=\"\(n(left - 8))\" y=\"\(n(map(value) + 4))\" text-anchor=\"end\" stroke=\"none\">\(label(value, tick))</text>\n"
    }
    return out + "</g>\n"
  }

  /// An axis title written upwards, centred at height `y`.
  func verticalTitle(_ text: String, at y: Double) -> String {
    "<text transform=\"translate(18 \(n(y))) rotate(-90)\" text-anchor=\"middle\">\(escapeXML(text))</text>\n"
  }

  /// A `points` attribute: `series` mapped to SVG coordinates, y by `map`.
  func points(_ series: [PlotPoint], _ map: (Double) -> Double) -> String {
    series.map { "\(n(x($0.x))),\(n(map($0.y)))" }.joined(separator: " ")
  }

  /// The tick values of `domain`, `tick` apart.
  func ticks(_ domain: ClosedRange<Double>, _ tick: Double) -> [Double] {
    let first = ceil(domain.lowerBound / tick - 1e-9)
    let last = floor(domain.upperBound / tick + 1e-9)
    return first <= last ? (Int(first)...Int(last)).map { Double($0) * tick } : []
  }

  /// A tick label with as many decimals as the spacing needs.
  func label(_ value: Double, _ tick: Double) -> String {
    let decimals = max(0, -Int(floor(log10(tick) + 1e-9)))
    let text = String(format: "%.\(decimals)f", value)
    return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
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

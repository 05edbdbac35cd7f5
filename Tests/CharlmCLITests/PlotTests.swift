import Foundation
import Testing

@testable import charlm

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// `charlm plot`: the SVG is well-formed XML and its points map back to the logged losses.
@Suite struct PlotTests {
  /// 24 step lines (every 13 steps, 0.1 s a step, 30 steps an epoch), a validation every fifth.
  static func records(scale: Double = 1) -> [MetricsRecord] {
    var records: [MetricsRecord] = []
    for step in stride(from: 1, through: 300, by: 13) {
      records.append(
        MetricsRecord(
          event: "step", step: step, time: Double(step) / 10, trainLoss: scale * (4 * exp(-Double(step) / 150) + 1.2),
          valLoss: nil, learningRate: 0.002 * (1 - Double(step) / 600), gradNorm: 1, charsPerSecond: 1000,
          epoch: Double(step) / 30))
      if step % 5 == 0 {
        records.append(
          MetricsRecord(
            event: "validation", step: step, time: Double(step) / 10, trainLoss: nil,
            valLoss: scale * (4 * exp(-Double(step) / 170) + 1.4), learningRate: 0.002 * (1 - Double(step) / 600),
            gradNorm: nil, charsPerSecond: nil, epoch: Double(step) / 30))
      }
    }
    return records
  }

  static func run(
    _ records: [MetricsRecord] = records(), axis: PlotAxis = .step, smoothing: Smoothing = .off
  ) throws -> PlotRun {
    try PlotRun(name: "m", records: records, axis: axis, smoothing: smoothing)
  }

  /// (x, y) pairs of a `points` attribute.
  static func pairs(_ text: String) -> [(Double, Double)] {
    text.split(separator: " ").map { pair in
      let xy = pair.split(separator: ",").map { Double($0)! }
      return (xy[0], xy[1])
    }
  }

  /// The `points` of every `<polyline class="…">` of that class, in document order.
  static func polylines(_ svg: String, class name: String) -> [[(Double, Double)]] {
    svg.components(separatedBy: "<polyline class=\"\(name)\"").dropFirst().map { rest in
      let start = rest.range(of: "points=\"")!.upperBound
      return pairs(String(rest[start...].prefix { $0 != "\"" }))
    }
  }

  @Test("well-formed XML with title, axes, legend, loss curves and learning rate that map back to the log")
  func svgMapsBack() throws {
    let plot = LossPlot(runs: [try Self.run()], title: "Loss <of> \"tiny\" & co", yMin: 0, yMax: 10)
    let svg = plot.svg()
    // Coordinates are written with 2 decimals: back in data units that is at most this far off.
    let xSpan = plot.xDomain.upperBound - plot.xDomain.lowerBound
    let stepTolerance = 0.005 / (plot.width - plot.left - plot.right) * xSpan * 1.01
    let bitsTolerance =
      0.005 / (plot.lossBottom - plot.top) * (plot.yDomain.upperBound - plot.yDomain.lowerBound) * 1.01
    let rateTolerance =
      0.005 / (plot.rateBottom - plot.rateTop) * (plot.rateDomain.upperBound - plot.rateDomain.lowerBound) * 1.01
    func unmapX(_ x: Double) -> Double {
      plot.xDomain.lowerBound + (x - plot.left) / (plot.width - plot.left - plot.right) * xSpan
    }
    func unmapBits(_ y: Double) -> Double {
      plot.yDomain.lowerBound + (plot.lossBottom - y) / (plot.lossBottom - plot.top)
        * (plot.yDomain.upperBound - plot.yDomain.lowerBound)
    }
    func unmapRate(_ y: Double) -> Double {
      plot.rateDomain.lowerBound + (plot.rateBottom - y) / (plot.rateBottom - plot.rateTop)
        * (plot.rateDomain.upperBound - plot.rateDomain.lowerBound)
    }
    let records = Self.records()
    let expectedTrain = records.compactMap { r in r.trainLoss.map { (Double(r.step), $0 / log(2.0)) } }
    let expectedValidation = records.compactMap { r in r.valLoss.map { (Double(r.step), $0 / log(2.0)) } }
    // A validation line repeats its step's learning rate: one point per step.
    let expectedRate = records.enumerated().filter { i, r in i + 1 == records.count || records[i + 1].step != r.step }
      .map { (Double($0.element.step), $0.element.learningRate) }

    #if canImport(FoundationXML)
      let document = try XMLDocument(data: Data(svg.utf8), options: [])
      let root = try #require(document.rootElement())
      func elements(_ element: XMLElement) -> [XMLElement] {
        [element] + (element.children ?? []).compactMap { $0 as? XMLElement }.flatMap(elements)
      }
      let texts = elements(root).filter { $0.localName == "text" }.compactMap(\.stringValue)
      #expect(texts.contains("Loss <of> \"tiny\" & co"), "the title survives escaping")
      #expect(texts.contains("step") && texts.contains("loss (bits/char)") && texts.contains("learning rate"))
      #expect(texts.contains("training") && texts.contains("validation"), "legend: \(texts)")
      #expect(texts.contains("0") && texts.contains("300"), "x tick labels: \(texts)")
    #else
      #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
      #expect(svg.contains("Loss &lt;of&gt; &quot;tiny&quot; &amp; co"))
    #endif
    #expect(svg.hasPrefix(LossPlot.prefix))

    for (name, unmapY, tolerance, expected) in [
      ("train", unmapBits, bitsTolerance, expectedTrain), ("validation", unmapBits, bitsTolerance, expectedValidation),
      ("learning-rate", unmapRate, rateTolerance, expectedRate),
    ] {
      let lines = Self.polylines(svg, class: name)
      #expect(lines.count == 1, "\(name): \(lines.count) polylines")
      let points = try #require(lines.first)
      #expect(points.count == expected.count, "\(name): \(points.count) points, \(expected.count) records")
      var worst = (step: 0.0, y: 0.0)
      for ((x, y), (step, value)) in zip(points, expected) {
        worst = (max(worst.step, abs(unmapX(x) - step)), max(worst.y, abs(unmapY(y) - value)))
      }
      #expect(worst.step <= stepTolerance && worst.y <= tolerance, "\(name): worst error \(worst)")
    }
    #expect(!svg.contains("train-logged"), "no faint logged curve without smoothing")
    #expect(!svg.contains("cut-note"), "nothing is cut with --ymax 10")
  }

  @Test("a run resumed from an earlier save: later records replace the steps they repeat; time adds up")
  func resumedRunsReplace() throws {
    func step(_ s: Int, _ loss: Double, time: Double) -> MetricsRecord {
      MetricsRecord(
        event: "step", step: s, time: time, trainLoss: loss, valLoss: nil, learningRate: 0.1, gradNorm: 1,
        charsPerSecond: 1)
    }
    // A first invocation to step 20 at 8 s; the second resumes from the save at step 10.
    let records = [
      step(1, 4, time: 1), step(10, 3, time: 4), step(20, 2.5, time: 8), step(15, 2.8, time: 2),
      step(25, 2, time: 5),
    ]
    #expect(try Self.run(records).train.map(\.x) == [1, 10, 15, 25])
    #expect(try Self.run(records, axis: .time).train.map(\.x) == [1, 4, 10, 13])
    expectCLIFailure(mentioning: ["no epochs", "--x step"]) { try Self.run(records, axis: .epoch) }
    #expect(try Self.run(Self.records(), axis: .epoch).train.first?.x == 1.0 / 30)
  }

  @Test(
    "--smooth: 0 off, (0, 1) a bias-corrected EMA, an integer ≥ 2 a centred window",
    arguments: [
      ("0", Smoothing.off), ("1", .off), ("0.9", .exponential(weight: 0.9)), ("20", .window(points: 20)),
      ("1.5", nil), ("-0.5", nil), ("nan", nil), ("x", nil),
    ] as [(String, Smoothing?)])
  func smoothingArgument(text: String, expected: Smoothing?) {
    #expect(Smoothing(argument: text) == expected)
  }

  @Test("smoothing keeps x, holds a constant, and matches a hand computation (tolerance 1e-12)")
  func smoothingValues() {
    let points = [1.0, 3, 2, 6].enumerated().map { PlotPoint(x: Double($0.offset), y: $0.element) }
    let constant = points.map { PlotPoint(x: $0.x, y: 2.5) }
    for smoothing in [Smoothing.exponential(weight: 0.9), .window(points: 3)] {
      let worst = zip(smoothing.apply(constant), constant).map { abs($0.y - $1.y) }.max() ?? 0
      #expect(worst <= 1e-12, "\(smoothing) on a constant: worst error \(worst)")
      #expect(smoothing.apply(points).map(\.x) == points.map(\.x))
    }
    // EMA 0.5: averages 0.5, 1.75, 1.875, 3.9375 over corrections 0.5, 0.75, 0.875, 0.9375.
    let ema = [0.5 / 0.5, 1.75 / 0.75, 1.875 / 0.875, 3.9375 / 0.9375]
    let window = [2, 2, 11.0 / 3, 4]
    for (smoothing, expected) in [(Smoothing.exponential(weight: 0.5), ema), (.window(points: 3), window)] {
      let worst = zip(smoothing.apply(points), expected).map { abs($0.y - $1) }.max() ?? 0
      #expect(worst <= 1e-12, "\(smoothing): worst error \(worst)")
    }
  }

  @Test("the loss axis comes from the later 90%: the first steps are cut, with a note; --ymin/--ymax force it")
  func robustRange() throws {
    // 7.3 bits/char at step 1, falling to about 2 within 30 of 300 steps, then slowly to 1.7.
    let records = (1...300).map { s in
      MetricsRecord(
        event: "step", step: s, time: Double(s),
        trainLoss: log(2) * (1.7 + 6.3 * exp(-Double(s) / 6) + 0.3 * exp(-Double(s) / 100)),
        valLoss: nil, learningRate: 0.002, gradNorm: 1, charsPerSecond: 1)
    }
    let plot = LossPlot(runs: [try Self.run(records)], title: "t")
    #expect(plot.yDomain.upperBound < 3 && plot.yDomain.lowerBound >= 1.5, "\(plot.yDomain)")
    let late = records.filter { $0.step >= 31 }.compactMap(\.trainLoss).map { $0 / log(2) }
    #expect(late.allSatisfy { plot.yDomain.contains($0) })
    let first = records[0].trainLoss! / log(2)
    #expect(abs((plot.highestCut ?? 0) - first) < 1e-12, "highest cut \(plot.highestCut ?? 0), first loss \(first)")
    #expect(plot.svg().contains("earlier losses up to \(fmt(first, 2)) bits/char are above the top"))
    let forced = LossPlot(runs: [try Self.run(records)], title: "t", yMin: 1.25, yMax: 9)
    #expect(forced.yDomain == 1.25...9 && forced.highestCut == nil)
    // Learning-rate panel: 0 to above the highest rate.
    #expect(plot.rateDomain.lowerBound == 0 && plot.rateDomain.upperBound > 0.002)
  }

  @Test("several runs: one colour each, a legend row per curve, smoothed curves over faint logged ones")
  func overlaid() throws {
    let a = try PlotRun(name: "small", records: Self.records(), axis: .step, smoothing: .exponential(weight: 0.6))
    let b = try PlotRun(
      name: "big", records: Self.records(scale: 0.8), axis: .step, smoothing: .exponential(weight: 0.6))
    let svg = LossPlot(runs: [a, b], title: "t", smoothing: .exponential(weight: 0.6)).svg()
    #expect(Self.polylines(svg, class: "train").count == 2)
    #expect(Self.polylines(svg, class: "train-logged").count == 2)
    #expect(Self.polylines(svg, class: "validation").count == 2)
    #expect(Self.polylines(svg, class: "learning-rate").count == 2)
    for text in ["small: training (EMA 0.6)", "small: validation", "big: training (EMA 0.6)", "big: validation"] {
      #expect(svg.contains(">\(text)</text>"), "legend row \(text)")
    }
    #expect(svg.contains("stroke=\"\(LossPlot.palette[0])\"") && svg.contains("stroke=\"\(LossPlot.palette[1])\""))
  }

  @Test("ticks: 1-2-5 spacing, ranges rounded outwards")
  func niceAxis() {
    let (range, tick) = LossPlot.niceAxis(1.37, 5.9)
    #expect(tick == 1 && range == 1...6)
    let (steps, stepTick) = LossPlot.niceAxis(0, 1234)
    #expect(stepTick == 500 && steps == 0...1500)
    let (fine, fineTick) = LossPlot.niceAxis(1.93, 3.3, intervals: 10)
    #expect(fineTick == 0.2 && abs(fine.lowerBound - 1.8) < 1e-12 && abs(fine.upperBound - 3.4) < 1e-12)
  }

  /// A log of ``records(scale:)`` at `name` in `dir`.
  @discardableResult
  static func writeLog(_ dir: ScratchDirectory, _ name: String, scale: Double = 1) throws -> String {
    let encoder = JSONEncoder()
    let lines = try records(scale: scale).map { String(decoding: try encoder.encode($0), as: UTF8.self) }
    return try dir.write(name, text: lines.joined(separator: "\n") + "\n")
  }

  @Test("charlm plot writes the SVG; an empty or foreign file is one clear error")
  func command() throws {
    let dir = try ScratchDirectory("plot")
    let log = try Self.writeLog(dir, "m.metrics.jsonl")
    let result = try runOK(["plot", log])
    #expect(result.stderr.contains("m.metrics.svg"))
    let svg = try String(contentsOfFile: dir.path("m.metrics.svg"), encoding: .utf8)
    #expect(svg.contains("<polyline class=\"train\""))
    try runOK(["plot", log, "--output", dir.path("other.svg"), "--title", "Other", "--x", "epoch", "--smooth", "5"])
    let other = try String(contentsOfFile: dir.path("other.svg"), encoding: .utf8)
    #expect(other.contains(">epoch</text>") && other.contains("training (mean of 5)"))

    let foreign = try dir.write("x.jsonl", text: "hello\n")
    expectOneLineError(try CLIRunner.run(["plot", foreign]), mentions: ["line 1"])
    expectOneLineError(try CLIRunner.run(["plot", log, "--smooth", "1.5"]), mentions: ["--smooth"], usageAllowed: true)
    expectOneLineError(
      try CLIRunner.run(["plot", log, "--ymin", "3", "--ymax", "2"]), mentions: ["--ymin"], usageAllowed: true)
    expectOneLineError(try CLIRunner.run(["plot", log, "--output", dir.path("x.jpg")]), mentions: [".svg or .png"])
    #expect(!FileManager.default.fileExists(atPath: dir.path("x.jpg")))
  }

  @Test("plot model.safetensors finds <model>.metrics.jsonl; several models overlay, --output required")
  func modelsAndSeveralRuns() throws {
    let dir = try ScratchDirectory("plot-models")
    for name in ["a", "b"] {
      _ = try dir.write("\(name).safetensors", text: "not read: plot only looks for the log beside it")
      try Self.writeLog(dir, "\(name).safetensors.metrics.jsonl", scale: name == "a" ? 1 : 0.9)
    }
    let result = try runOK(["plot", dir.path("a.safetensors")])
    #expect(result.stderr.contains("a.safetensors.metrics.svg"))
    expectOneLineError(
      try CLIRunner.run(["plot", dir.path("a.safetensors"), dir.path("b.safetensors")]), mentions: ["--output"],
      usageAllowed: true)
    try runOK([
      "plot", dir.path("a.safetensors"), dir.path("b.safetensors.metrics.jsonl"), "--output", dir.path("ab.svg"),
    ])
    let svg = try String(contentsOfFile: dir.path("ab.svg"), encoding: .utf8)
    #expect(Self.polylines(svg, class: "train").count == 2)
    #expect(svg.contains(">a: training</text>") && svg.contains(">b: validation</text>"))
    #expect(svg.contains("<title>Loss — a, b</title>"))

    _ = try dir.write("lonely.safetensors", text: "x")
    expectOneLineError(
      try CLIRunner.run(["plot", dir.path("lonely.safetensors")]), mentions: ["lonely.safetensors.metrics.jsonl"])
  }

  @Test("--output x.png: a real PNG through rsvg-convert, or one line naming its package; never SVG bytes")
  func png() throws {
    let dir = try ScratchDirectory("plot-png")
    let log = try Self.writeLog(dir, "m.metrics.jsonl")
    let png = dir.path("loss.png")
    if PNGRendering.converterPath() != nil {
      try runOK(["plot", log, "--output", png])
      let bytes = try #require(FileManager.default.contents(atPath: png))
      #expect(Array(bytes.prefix(8)) == PNGRendering.signature, "first bytes \(Array(bytes.prefix(8)))")
      // IHDR: width and height, big-endian, at 2× the SVG's 900 × 640.
      let size = [16, 20].map { o in bytes[o..<(o + 4)].reduce(0) { $0 << 8 | Int($1) } }
      #expect(size == [1800, 1280])
      try runOK(["plot", log, "--output", png])  // a PNG may be replaced by a PNG
    } else {
      // Not installed here (scripts/test.sh installs librsvg2-bin): the refusal is what a user sees.
      expectOneLineError(try CLIRunner.run(["plot", log, "--output", png]), mentions: ["librsvg2-bin"])
    }
    // Without the converter on PATH: refused, nothing written.
    let empty = try ScratchDirectory("plot-no-path")
    let refused = try CLIRunner.run(
      ["plot", log, "--output", dir.path("none.png")], environment: ["PATH": empty.path("")])
    expectOneLineError(refused, mentions: ["rsvg-convert", "librsvg2-bin"])
    #expect(!FileManager.default.fileExists(atPath: dir.path("none.png")))
    // An existing file that is not a PNG is never replaced.
    let notes = try dir.write("notes.png", text: "my notes")
    expectOneLineError(try CLIRunner.run(["plot", log, "--output", notes]), mentions: ["not a PNG image"])
    #expect(try String(contentsOfFile: notes, encoding: .utf8) == "my notes")
  }
}

/// Requires `body` to throw a ``CLIFailure`` whose message contains every string in `mentions`.
func expectCLIFailure(
  mentioning mentions: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
  do {
    try body()
    Issue.record("no error thrown", sourceLocation: sourceLocation)
  } catch {
    for mention in mentions {
      #expect("\(error)".contains(mention), "\(error)", sourceLocation: sourceLocation)
    }
  }
}

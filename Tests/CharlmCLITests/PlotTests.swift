import Foundation
import Testing

@testable import charlm

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// `charlm plot`: the SVG is well-formed XML and its points map back to the logged losses.
@Suite struct PlotTests {
  static let records: [MetricsRecord] = {
    var records: [MetricsRecord] = []
    for step in stride(from: 1, through: 300, by: 13) {
      records.append(
        MetricsRecord(
          event: "step", step: step, time: Double(step) / 10, trainLoss: 4 * exp(-Double(step) / 150) + 1.2,
          valLoss: nil, learningRate: 0.002, gradNorm: 1, charsPerSecond: 1000))
      if step % 5 == 0 {
        records.append(
          MetricsRecord(
            event: "validation", step: step, time: Double(step) / 10, trainLoss: nil,
            valLoss: 4 * exp(-Double(step) / 170) + 1.4, learningRate: 0.002, gradNorm: nil, charsPerSecond: nil))
      }
    }
    return records
  }()

  /// (x, y) pairs of a `points` attribute.
  func pairs(_ text: String) -> [(Double, Double)] {
    text.split(separator: " ").map { pair in
      let xy = pair.split(separator: ",").map { Double($0)! }
      return (xy[0], xy[1])
    }
  }

  @Test("well-formed XML with title, axes, legend and two curves whose points map back to the losses")
  func svgMapsBack() throws {
    let plot = LossPlot(records: Self.records, title: "Loss <of> \"tiny\" & co")
    let svg = plot.svg()
    // Coordinates are written with 2 decimals: back in data units that is at most this far off.
    let stepTolerance =
      0.005 / (plot.width - plot.left - plot.right) * (plot.xDomain.upperBound - plot.xDomain.lowerBound) * 1.01
    let bitsTolerance =
      0.005 / (plot.height - plot.top - plot.bottom) * (plot.yDomain.upperBound - plot.yDomain.lowerBound) * 1.01
    func unmap(_ x: Double, _ y: Double) -> (step: Double, bits: Double) {
      let step =
        plot.xDomain.lowerBound + (x - plot.left) / (plot.width - plot.left - plot.right)
        * (plot.xDomain.upperBound - plot.xDomain.lowerBound)
      let bits =
        plot.yDomain.lowerBound + (plot.height - plot.bottom - y) / (plot.height - plot.top - plot.bottom)
        * (plot.yDomain.upperBound - plot.yDomain.lowerBound)
      return (step, bits)
    }
    let expectedTrain = Self.records.compactMap { r in r.trainLoss.map { (Double(r.step), $0 / log(2.0)) } }
    let expectedValidation = Self.records.compactMap { r in r.valLoss.map { (Double(r.step), $0 / log(2.0)) } }

    #if canImport(FoundationXML)
      let document = try XMLDocument(data: Data(svg.utf8), options: [])
      let root = try #require(document.rootElement())
      // The SVG namespace is the default one: walk the tree and compare local names.
      func elements(_ element: XMLElement) -> [XMLElement] {
        [element] + (element.children ?? []).compactMap { $0 as? XMLElement }.flatMap(elements)
      }
      func attribute(_ element: XMLElement, _ name: String) -> String? {
        element.attributes?.first { $0.localName == name || $0.name == name }?.stringValue
      }
      let all = elements(root)
      #expect(root.localName == "svg")
      #expect(attribute(root, "viewBox") == "0 0 800 480")
      let texts = all.filter { $0.localName == "text" }.compactMap(\.stringValue)
      #expect(texts.contains("Loss <of> \"tiny\" & co"), "the title survives escaping")
      #expect(texts.contains("step") && texts.contains("loss (bits/char)"))
      #expect(texts.contains("training loss") && texts.contains("validation loss"))
      #expect(texts.contains("0") && texts.contains("300"), "x tick labels: \(texts)")
      let polylines = all.filter { $0.localName == "polyline" }
      #expect(polylines.count == 2)
      let trainPoints = polylines.first { attribute($0, "id") == "train" }.flatMap { attribute($0, "points") }
      let validationPoints = polylines.first { attribute($0, "id") == nil }.flatMap { attribute($0, "points") }
      let validationGroup = try #require(all.first { $0.localName == "g" && attribute($0, "id") == "validation" })
      let circles = (validationGroup.children ?? []).filter { ($0 as? XMLElement)?.localName == "circle" }.count
      #expect(circles == expectedValidation.count)
    #else
      // No XML parser: check the structure by text.
      #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
      #expect(svg.contains("Loss &lt;of&gt; &quot;tiny&quot; &amp; co"))
      func attribute(_ marker: String) -> String? {
        guard let range = svg.range(of: marker) else { return nil }
        let rest = svg[range.upperBound...]
        return rest.range(of: "points=\"").map { String(rest[$0.upperBound...].prefix { $0 != "\"" }) }
      }
      let trainPoints = attribute("<polyline id=\"train\"")
      let validationPoints = attribute("<g id=\"validation\"")
    #endif

    for (name, text, expected) in [
      ("train", trainPoints, expectedTrain), ("validation", validationPoints, expectedValidation),
    ] {
      let points = pairs(try #require(text, "\(name) points"))
      #expect(points.count == expected.count, "\(name): \(points.count) points, \(expected.count) records")
      var worst = (step: 0.0, bits: 0.0)
      for ((x, y), (step, bits)) in zip(points, expected) {
        let back = unmap(x, y)
        worst = (max(worst.step, abs(back.step - step)), max(worst.bits, abs(back.bits - bits)))
      }
      #expect(worst.step <= stepTolerance && worst.bits <= bitsTolerance, "\(name): worst error \(worst)")
    }
    // Every point inside the plot area.
    let points = pairs(try #require(trainPoints)) + pairs(try #require(validationPoints))
    #expect(
      points.allSatisfy {
        $0.0 >= plot.left && $0.0 <= plot.width - plot.right && $0.1 >= plot.top && $0.1 <= plot.height - plot.bottom
      })
  }

  @Test("a run resumed from an earlier save: later records replace the steps they repeat")
  func resumedRunsReplace() {
    func step(_ s: Int, _ loss: Double) -> MetricsRecord {
      MetricsRecord(
        event: "step", step: s, time: 0, trainLoss: loss, valLoss: nil, learningRate: 0.1, gradNorm: 1,
        charsPerSecond: 1)
    }
    let plot = LossPlot(records: [step(1, 4), step(10, 3), step(20, 2.5), step(15, 2.8), step(25, 2)], title: "t")
    #expect(plot.train.map(\.step) == [1, 10, 15, 25])
  }

  @Test("ticks: 1-2-5 spacing, ranges rounded outwards")
  func niceAxis() {
    let (range, tick) = LossPlot.niceAxis(1.37, 5.9)
    #expect(tick == 1 && range == 1...6)
    let (steps, stepTick) = LossPlot.niceAxis(0, 1234)
    #expect(stepTick == 500 && steps == 0...1500)
  }

  @Test("charlm plot writes the SVG; an empty or foreign file is one clear error")
  func command() throws {
    let dir = try ScratchDirectory("plot")
    let log = dir.path("m.metrics.jsonl")
    let encoder = JSONEncoder()
    let lines = try Self.records.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
    try dir.write("m.metrics.jsonl", text: lines.joined(separator: "\n") + "\n")
    let result = try runOK(["plot", log])
    #expect(result.stderr.contains("m.metrics.svg"))
    let svg = try String(contentsOfFile: dir.path("m.metrics.svg"), encoding: .utf8)
    #expect(svg.contains("<polyline id=\"train\""))
    try runOK(["plot", log, "--output", dir.path("other.svg"), "--title", "Other"])
    #expect(FileManager.default.fileExists(atPath: dir.path("other.svg")))

    let foreign = try dir.write("x.jsonl", text: "hello\n")
    expectOneLineError(try CLIRunner.run(["plot", foreign]), mentions: ["line 1"])
  }
}

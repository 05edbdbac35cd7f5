import ArgumentParser
import Foundation
import SafeTensors

/// `charlm plot`: metrics logs (or the models beside them) in, an SVG or PNG loss plot out.
struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot",
    abstract: "Draw the loss and learning rate of one or more training runs as an SVG or PNG image.",
    discussion: """
      Reads the <model>.metrics.jsonl that charlm train writes (give the log, or the model: its log \
      is found beside it) and draws the training loss (a line) and the validation loss (dashed, with \
      points) in bits/char, and below them the learning rate, against the step, the training time \
      or the epoch. Several runs are overlaid, one colour each, with a legend. --output x.png writes \
      a PNG through rsvg-convert (Debian/Ubuntu package librsvg2-bin); any other name gets SVG.
      """)

  @Argument(
    help: "Metrics logs written by charlm train (<model>.metrics.jsonl), or the models they belong to.",
    completion: .file())
  var inputs: [String]

  @Option(
    help:
      "File to write: .png for a PNG, else SVG (default, with one run: the log's path with .jsonl replaced by .svg).")
  var output: String?

  @Option(help: "Title of the plot (default: the log's file name, or the runs' names).")
  var title: String?

  @OptionGroup(title: "Axes and smoothing")
  var plot: PlotOptions

  /// Extensions of image formats `plot` does not write: refused, never filled with SVG bytes.
  static let otherImageExtensions: Set<String> = [
    "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "pdf", "eps", "ps", "avif", "heic",
  ]

  func validate() throws {
    guard !inputs.isEmpty else { throw ValidationError("give a metrics log or a model to plot") }
    if inputs.count > 1 && output == nil {
      throw ValidationError("several runs: give --output <file.svg or file.png>")
    }
  }

  func run() throws {
    let logs = try inputs.map(Self.logPath)
    let names = Self.runNames(logs)
    let runs = try zip(logs, names).map { log, name in
      let records = try MetricsLog.read(path: log)
      guard records.contains(where: { $0.trainLoss != nil || $0.valLoss != nil }) else {
        throw CLIFailure("\(log) holds no losses yet; plot it once training has logged a step")
      }
      let run = try PlotRun(name: name, records: records, axis: plot.axis, smoothing: plot.smooth)
      guard !run.train.isEmpty || !run.validation.isEmpty else {
        throw CLIFailure("\(log) holds no loss between 0 and 10^6 bits/char; give a log written by charlm train")
      }
      return run
    }
    let defaultTitle =
      logs.count == 1 ? "Loss — \(AtomicFile.split(logs[0]).name)" : "Loss — \(names.joined(separator: ", "))"
    let lossPlot = LossPlot(
      runs: runs, title: title ?? defaultTitle, axis: plot.axis, smoothing: plot.smooth, yMin: plot.ymin,
      yMax: plot.ymax)
    let destination = output ?? (logs[0].hasSuffix(".jsonl") ? String(logs[0].dropLast(6)) : logs[0]) + ".svg"
    let pathExtension = URL(fileURLWithPath: destination).pathExtension.lowercased()
    if Self.otherImageExtensions.contains(pathExtension) {
      throw CLIFailure("--output \(destination): charlm plot writes SVG or PNG; give a .svg or .png path")
    }
    let isPNG = pathExtension == "png"
    try OutputPathPolicy.check(
      destination, flag: "--output", kind: isPNG ? "PNG image" : "charlm plot",
      signature: isPNG ? PNGRendering.signature : Array(LossPlot.prefix.utf8))
    let svg = lossPlot.svg()
    let bytes = isPNG ? try PNGRendering.png(fromSVG: svg) : Data(svg.utf8)
    do {
      try bytes.write(to: URL(fileURLWithPath: destination), options: .atomic)
    } catch {
      throw CLIFailure(
        "cannot write \(destination): \(error.localizedDescription); check the directory and its permissions")
    }
    let counts = runs.map { "\($0.train.count) training and \($0.validation.count) validation points" }
    eprint("charlm: wrote \(destination) (\(counts.joined(separator: "; ")))")
  }

  /// The metrics log of `input`: itself when it ends in `.jsonl`, else `<input>.metrics.jsonl`
  /// when that exists (a model given by its own path), else itself.
  /// - Throws: ``CLIFailure`` for a `.safetensors` model without a log beside it.
  static func logPath(_ input: String) throws -> String {
    if input.hasSuffix(".jsonl") { return input }
    let beside = MetricsLog.path(forModel: input)
    if FileManager.default.fileExists(atPath: beside) { return beside }
    if input.hasSuffix(".safetensors") {
      throw CLIFailure(
        "no metrics log beside \(input) (looked for \(beside)): it was trained with --no-metrics or the log was moved; give the log's path"
      )
    }
    return input
  }

  /// The runs' legend names: each log's file name without `.metrics.jsonl` (or `.jsonl`) and
  /// `.safetensors`; the whole path where two would read the same.
  static func runNames(_ logs: [String]) -> [String] {
    let short = logs.map { log in
      var name = AtomicFile.split(log).name
      for suffix in [".metrics.jsonl", ".jsonl", ".safetensors"] where name.hasSuffix(suffix) {
        name = String(name.dropLast(suffix.count))
      }
      return name
    }
    return zip(short, logs).map { name, log in short.filter { $0 == name }.count > 1 ? log : name }
  }
}

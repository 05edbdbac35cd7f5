import ArgumentParser
import Foundation
import SafeTensors

/// `charlm plot`: a metrics log in, an SVG loss curve out.
struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot",
    abstract: "Draw the training and validation loss of a metrics log as an SVG image.",
    discussion: """
      Reads the <model>.metrics.jsonl that charlm train writes and draws the training loss \
      (a line) and the validation loss (points joined by a line) in bits/char against the step. \
      Open the SVG in a web browser, or convert it, e.g. `rsvg-convert -o loss.png loss.svg`.
      """)

  @Argument(help: "Metrics log written by charlm train (<model>.metrics.jsonl).", completion: .file())
  var metrics: String

  @Option(help: "SVG file to write (default: the log's path with .jsonl replaced by .svg).")
  var output: String?

  @Option(help: "Title of the plot (default: the log's file name).")
  var title: String?

  func run() throws {
    let records = try MetricsLog.read(path: metrics)
    guard records.contains(where: { $0.trainLoss != nil || $0.valLoss != nil }) else {
      throw CLIFailure("\(metrics) holds no losses yet; plot it once training has logged a step")
    }
    let name = AtomicFile.split(metrics).name
    let plot = LossPlot(records: records, title: title ?? "Loss — \(name)")
    guard !plot.train.isEmpty || !plot.validation.isEmpty else {
      throw CLIFailure("\(metrics) holds no loss between 0 and 10^6 bits/char; give a log written by charlm train")
    }
    let destination = output ?? (metrics.hasSuffix(".jsonl") ? String(metrics.dropLast(6)) : metrics) + ".svg"
    try OutputPathPolicy.check(
      destination, flag: "--output", kind: "charlm plot", signature: Array(LossPlot.prefix.utf8))
    do {
      try Data(plot.svg().utf8).write(to: URL(fileURLWithPath: destination), options: .atomic)
    } catch {
      throw CLIFailure(
        "cannot write \(destination): \(error.localizedDescription); check the directory and its permissions")
    }
    eprint("charlm: wrote \(destination) (\(plot.train.count) training and \(plot.validation.count) validation points)")
  }
}

import Foundation
import Testing

@testable import Training
@testable import charlm

/// The progress text, fed synthetic training events whose `elapsedSeconds` is a fake clock.
@Suite struct ProgressDisplayTests {
  /// A run of 20 steps, 0.3 s each, 1000 symbols per step, validations at 10 and 20,
  /// a skipped step at 13, and 5 chunks per epoch.
  static func events() -> [TrainingEvent] {
    var events: [TrainingEvent] = []
    for step in 1...20 {
      let loss = Float(4.0 - 0.1 * Double(step))
      let report = Trainer.StepReport(
        step: step, loss: step == 13 ? .nan : loss, gradientNorm: 1.5, skipped: step == 13)
      events.append(.step(report, symbolsPerSecond: 1000 / 0.3, elapsedSeconds: 0.3 * Double(step)))
      if step % 10 == 0 {
        events.append(.validation(step: step, loss: 3.0 - 0.1 * Double(step / 10), improved: step == 10))
      }
    }
    return events
  }

  static func render(_ style: ProgressStyle, interval: Double = 2, columns: Int = 200) -> String {
    var text = ""
    let display = ProgressDisplay(
      totalSteps: 20, chunksPerEpoch: 5, symbolsPerStep: 1000, style: style, interval: interval,
      redrawInterval: 0.5, write: { text += $0 }, columns: { columns })
    for event in events() {
      display.handle(event)
      if case .validation = event { display.saved() }
    }
    display.finishLine()
    return text
  }

  @Test("not a terminal: plain lines at the interval, first, last and skipped steps, and validations")
  func linesSnapshot() throws {
    try Snapshot.expectMatches(Self.render(.lines), named: "progress-lines.txt")
  }

  @Test("--progress-interval changes how often a line is printed")
  func interval() {
    let every = Self.render(.lines, interval: 0).split(separator: "\n").filter { $0.hasPrefix("step ") }
    #expect(every.count == 20)
    let sparse = Self.render(.lines, interval: 100).split(separator: "\n").filter { $0.hasPrefix("step ") }
    #expect(sparse.map { $0.prefix(10) } == ["step 1/20 ", "step 13/20", "step 20/20"])
  }

  @Test("terminal: one line redrawn in place; validations finish it and print lines of their own")
  func live() {
    let text = Self.render(.live)
    #expect(text.hasPrefix("\rstep 1/20  epoch 0.20  loss 3.9000 (5.627 bits/char)  3333 sym/s  ETA 6s\u{1B}[K"))
    // Every redraw starts at the line's beginning and clears what is left of the previous one.
    let redraws = text.components(separatedBy: "\r").dropFirst()
    #expect(redraws.allSatisfy { $0.hasPrefix("step ") && $0.contains("\u{1B}[K") })
    // The validation at step 10 comes after the live line was ended with a newline.
    #expect(
      text.contains(
        "\u{1B}[K\nvalidation at step 10: loss 2.9000 nats, 4.184 bits/char, perplexity 18.17  (best so far; saved)\n"))
    #expect(text.hasSuffix("\n"))
    #expect(!text.contains("\n\n"))
  }

  @Test("a best validation says saved only once its save succeeded")
  func savedOnlyAfterTheSave() {
    var text = ""
    let display = ProgressDisplay(
      totalSteps: 20, chunksPerEpoch: 5, symbolsPerStep: 1000, style: .lines, write: { text += $0 })
    display.handle(.validation(step: 10, loss: 2, improved: true))
    #expect(text.isEmpty, "printed before the save: \(text)")
    display.saved()
    #expect(text.hasSuffix("(best so far; saved)\n"), "\(text)")
    text = ""
    display.handle(.validation(step: 20, loss: 1, improved: true))
    display.finishLine()  // the save failed: the run ends without saved()
    #expect(text.hasSuffix("(best so far; not saved)\n"), "\(text)")
  }

  @Test("with --max-time the time left is at most what remains of it")
  func timeLimit() {
    var text = ""
    let display = ProgressDisplay(
      totalSteps: 20, chunksPerEpoch: 5, symbolsPerStep: 1000, style: .lines, timeLimit: 2, write: { text += $0 })
    display.handle(Self.events()[0])
    #expect(text.hasSuffix("3333 sym/s  ETA 2s\n"), "\(text)")
  }

  /// A status line as a run of 1000 steps shows it at step 137, with a validation and a skipped step.
  static func status(skipped: Bool) -> StatusLine {
    let display = ProgressDisplay(
      totalSteps: 1000, chunksPerEpoch: 100, symbolsPerStep: 2048, style: .live, write: { _ in }, columns: { 80 })
    display.handle(.validation(step: 100, loss: 2.412 * log(2), improved: false))
    display.handle(
      .step(
        Trainer.StepReport(step: 136, loss: 1.8234, gradientNorm: 1, skipped: false), symbolsPerSecond: 5210,
        elapsedSeconds: 1))
    let report = Trainer.StepReport(step: 137, loss: 1.8234, gradientNorm: 1, skipped: skipped)
    return display.statusFields(report, elapsed: 2)
  }

  @Test(
    "the live line fits in width − 1 columns, giving way units first, then whole fields",
    arguments: [
      (200, "step 137/1000  epoch 1.37  loss 1.8234 (2.631 bits/char)  val 2.412 bits/char  5210 sym/s  ETA 5m39s"),
      (101, "step 137/1000  epoch 1.37  loss 1.8234 (2.631 bits/char)  val 2.412 bits/char  5210 sym/s  ETA 5m39s"),
      (100, "step 137/1000  epoch 1.37  loss 2.631 bits/char  val 2.412 bits/char  5210 sym/s  ETA 5m39s"),
      (90, "step 137/1000  epoch 1.37  loss 2.631 b/c  val 2.412 bits/char  5210 sym/s  ETA 5m39s"),
      (80, "step 137/1000  epoch 1.37  loss 2.631 b/c  val 2.412 b/c  5210 sym/s  ETA 5m39s"),
      (60, "137/1000 ep 1.37 loss 2.631 b/c val 2.412 b/c ETA 5m39s"),
      (50, "137/1000 loss 2.631 b/c val 2.412 b/c ETA 5m39s"),
      (30, "137/1000 2.631 b/c 5m39s"),
      (20, "137/1000 2.631 b/c"),
      (10, "137/1000 "),
      (1, ""),
    ])
  func fitted(columns: Int, expected: String) {
    let line = Self.status(skipped: false).fitted(columns: columns)
    #expect(line == expected, "\(columns) columns")
    #expect(line.count <= max(columns - 1, 0))
  }

  @Test("a skipped step keeps its note as long as it can, shortened before the numbers go")
  func fittedSkipped() {
    let status = Self.status(skipped: true)
    #expect(status.full.hasSuffix("ETA 5m39s  [non-finite loss or gradient: step skipped, learning rate halved]"))
    #expect(
      status.fitted(columns: 80) == "137/1000 ep 1.37 loss 2.631 b/c val 2.412 b/c 5210 sym/s ETA 5m39s [skipped]")
    // Every width from 1 to 200: never more than width − 1, and a wider terminal never shows less.
    var previous = -1
    for columns in 1...200 {
      let count = status.fitted(columns: columns).count
      #expect(count <= columns - 1 && count >= previous, "\(columns) columns: \(count) characters")
      previous = count
    }
  }

  @Test("a live run at 40 columns: every redraw fits in 39; non-terminal lines are not cut")
  func liveNarrow() {
    let redraws = Self.render(.live, columns: 40).components(separatedBy: "\r").dropFirst()
      .map { $0.components(separatedBy: "\u{1B}[K")[0] }
    #expect(!redraws.isEmpty && redraws.allSatisfy { $0.count <= 39 }, "\(redraws)")
    let lines = Self.render(.lines, columns: 40).split(separator: "\n")
    #expect(lines.contains { $0.count > 40 })
  }

  @Test("a signal's message ends the live line: finishing it then adds no blank line")
  func interruptEndsTheLiveLine() {
    var (text, signals) = ("", 0)
    let display = ProgressDisplay(
      totalSteps: 20, chunksPerEpoch: 5, symbolsPerStep: 1000, style: .live, redrawInterval: 0,
      write: { text += $0 }, columns: { 200 }, interruptions: { signals })
    let report = Trainer.StepReport(step: 1, loss: 3, gradientNorm: 1, skipped: false)
    display.handle(.step(report, symbolsPerSecond: 1000, elapsedSeconds: 0.1))
    signals = 1
    text += "\ncharlm: interrupted; finishing this step and saving\n"  // what the listener writes
    display.line("charlm: interrupted at step 1")
    #expect(text.hasSuffix("saving\ncharlm: interrupted at step 1\n"))
    // A redraw after the message opens a live line again, which the next line does finish.
    display.handle(.step(Trainer.StepReport(step: 2, loss: 3, gradientNorm: 1, skipped: false), symbolsPerSecond: 1000, elapsedSeconds: 0.2))
    display.line("done")
    #expect(text.hasSuffix("\ndone\n") && !text.hasSuffix("\n\ndone\n"))
  }

  @Test("quiet prints nothing")
  func quiet() { #expect(Self.render(.quiet).isEmpty) }
}

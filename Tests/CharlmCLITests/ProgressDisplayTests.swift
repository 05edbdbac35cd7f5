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

  static func render(_ style: ProgressStyle, interval: Double = 2) -> String {
    var text = ""
    let display = ProgressDisplay(
      totalSteps: 20, chunksPerEpoch: 5, symbolsPerStep: 1000, style: style, interval: interval,
      redrawInterval: 0.5, write: { text += $0 })
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

  @Test("quiet prints nothing")
  func quiet() { #expect(Self.render(.quiet).isEmpty) }
}

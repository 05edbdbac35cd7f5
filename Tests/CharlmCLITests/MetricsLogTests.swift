import Foundation
import Testing

@testable import Training
@testable import charlm

/// The metrics log: which events become lines, what each line holds, append on resume.
@Suite struct MetricsLogTests {
  /// Feeds 10 steps (0.5 s apart on a fake clock, 100 symbols per step at 200 symbols/s) and a
  /// validation after step 5.
  func feed(_ log: MetricsLog, firstStep: Int = 1, clock: FakeClock) {
    for step in firstStep..<(firstStep + 10) {
      clock.seconds += 0.5
      let time = clock.seconds
      let report = Trainer.StepReport(step: step, loss: Float(step), gradientNorm: 0.25, skipped: false)
      log.handle(.step(report, symbolsPerSecond: 200, elapsedSeconds: time), learningRate: 0.002)
      if step == firstStep + 4 { log.handle(.validation(step: step, loss: 1.5, improved: true), learningRate: 0.002) }
    }
  }

  @Test("a step line at the interval (and the first and last steps), a line per validation; resume appends")
  func linesAndAppend() throws {
    let dir = try ScratchDirectory("metrics")
    let path = MetricsLog.path(forModel: dir.path("m.safetensors"))
    #expect(path.hasSuffix("m.safetensors.metrics.jsonl"))
    let clock = FakeClock()
    do {
      let log = try MetricsLog(
        path: path, append: false, interval: 2, totalSteps: 20, symbolsPerStep: 100, clock: { clock.seconds })
      feed(log, clock: clock)
    }
    var records = try MetricsLog.read(path: path)
    #expect(records.map(\.event) == ["step", "step", "validation", "step"])
    #expect(records.map(\.step) == [1, 5, 5, 9])
    #expect(
      records[0]
        == MetricsRecord(
          event: "step", step: 1, time: 0.5, trainLoss: 1, valLoss: nil, learningRate: 0.002, gradNorm: 0.25,
          charsPerSecond: 200))
    #expect(records[1].time == 2.5 && records[1].charsPerSecond == 200 && records[1].trainLoss == 5)
    #expect(
      records[2]
        == MetricsRecord(
          event: "validation", step: 5, time: 2.5, trainLoss: 5, valLoss: 1.5, learningRate: 0.002, gradNorm: 0.25,
          charsPerSecond: nil))

    // The raw line: the documented keys, snake_case, nothing else.
    let firstLine = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")[0]
    #expect(
      firstLine
        == #"{"chars_per_second":200,"event":"step","grad_norm":0.25,"learning_rate":0.002,"step":1,"time":0.5,"train_loss":1}"#
    )

    // A resumed run appends; a new run starts afresh.
    do {
      let log = try MetricsLog(
        path: path, append: true, interval: 2, totalSteps: 20, symbolsPerStep: 100, clock: { clock.seconds })
      feed(log, firstStep: 11, clock: clock)
    }
    records = try MetricsLog.read(path: path)
    #expect(records.map(\.step) == [1, 5, 5, 9, 11, 15, 15, 19, 20])
    do { _ = try MetricsLog(path: path, append: false, interval: 2, totalSteps: 20, symbolsPerStep: 100, clock: { 0 }) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
  }

  @Test("a line that is not a record is reported with its number")
  func badLine() throws {
    let dir = try ScratchDirectory("metrics-bad")
    let path = try dir.write(
      "x.jsonl", text: #"{"event":"step","step":1,"time":0,"learning_rate":0.1}"# + "\nnot json\n")
    #expect(throws: CLIFailure.self) { try MetricsLog.read(path: path) }
    do { _ = try MetricsLog.read(path: path) } catch { #expect("\(error)".contains("line 2")) }
  }

  @Test("with the chunks per epoch, every line carries its epoch (to 1/10000)")
  func epochs() throws {
    let dir = try ScratchDirectory("metrics-epoch")
    let path = MetricsLog.path(forModel: dir.path("m.safetensors"))
    let clock = FakeClock()
    do {
      let log = try MetricsLog(
        path: path, append: false, interval: 0, totalSteps: 20, symbolsPerStep: 100, chunksPerEpoch: 3,
        clock: { clock.seconds })
      feed(log, clock: clock)
    }
    let records = try MetricsLog.read(path: path)
    #expect(records.count == 11)
    #expect(records.map { $0.epoch ?? -1 } == records.map { (Double($0.step) / 3 * 1e4).rounded() / 1e4 })
  }
}

/// A clock the test advances by hand.
final class FakeClock {
  var seconds = 0.0

}

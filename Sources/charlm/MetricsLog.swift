import Foundation
import Training

/// One line of a metrics log (`<model>.metrics.jsonl`): what training measured at one step.
///
/// Losses are nats per symbol, as in `train --json`; `charlm plot` shows them in bits/char.
struct MetricsRecord: Codable, Equatable {
  /// `"step"` (a training step, logged at the progress interval) or `"validation"`.
  var event: String
  /// The optimizer step (total, counting earlier runs a resume continued).
  var step: Int
  /// Seconds since this invocation of `charlm train` started.
  var time: Double
  /// Mean loss of the latest training step (on validation lines: of the step just before).
  var trainLoss: Double?
  /// Mean loss over the whole validation split (validation lines only).
  var valLoss: Double?
  /// The learning rate in force.
  var learningRate: Double
  /// Global gradient norm before clipping, of the latest step.
  var gradNorm: Double?
  /// Training throughput since the previous step line (symbols predicted per second).
  var charsPerSecond: Double?
  /// Epochs of the training split the step has gone through (step / chunks per epoch), so
  /// `charlm plot --x epoch` needs no corpus; absent in logs written before it was logged.
  var epoch: Double? = nil
  /// Validation lines with `--val-sample`: the text drawn from the weights of that step.
  var sample: String? = nil

  enum CodingKeys: String, CodingKey {
    case event, step, time
    case trainLoss = "train_loss"
    case valLoss = "val_loss"
    case learningRate = "learning_rate"
    case gradNorm = "grad_norm"
    case charsPerSecond = "chars_per_second"
    case epoch
    case sample
  }
}

/// Appends ``MetricsRecord``s as JSON Lines: a line per training step at most every
/// `interval` seconds (and the first and last steps), and a line per validation.
///
/// Each line is written (and reaches the file) as it happens, so a log of an interrupted or
/// killed run is complete up to that moment.
final class MetricsLog {
  /// Where the log of the model at `modelPath` goes: `<model>.metrics.jsonl`.
  static func path(forModel modelPath: String) -> String { modelPath + ".metrics.jsonl" }

  /// The log file's path.
  let path: String
  /// Seconds between step lines.
  let interval: Double
  /// Steps the run ends at (its last step is always logged).
  let totalSteps: Int
  /// Symbols predicted per step (T·B), for the throughput.
  let symbolsPerStep: Int
  /// Chunks per epoch K (step / K is the epoch), when known.
  let chunksPerEpoch: Int?
  private let handle: FileHandle
  private let clock: () -> Double
  private var lastLogged = -Double.infinity
  private var firstStepSeen = false
  private var latest: Trainer.StepReport?
  private var pendingSymbols = 0.0, pendingSeconds = 0.0
  private var failed = false

  /// Opens the log: appends when `append` (a resumed run), else starts it afresh.
  /// - keepingThrough: when appending, the step the model file holds: lines of later steps
  ///   (logged by a run killed before its next save, and about to be trained again) and a
  ///   torn last line are cut off first, so the log never repeats or contradicts the model.
  /// - chunksPerEpoch: when given, every line carries its `epoch`.
  /// - clock: seconds since the run started (tests pass a fake one).
  /// - Throws: ``CLIFailure`` when the file cannot be created or opened.
  init(
    path: String, append: Bool, keepingThrough: Int? = nil, interval: Double, totalSteps: Int, symbolsPerStep: Int,
    chunksPerEpoch: Int? = nil, clock: @escaping () -> Double = MetricsLog.secondsSinceStart()
  ) throws {
    self.path = path
    self.interval = interval
    self.totalSteps = totalSteps
    self.symbolsPerStep = symbolsPerStep
    self.chunksPerEpoch = chunksPerEpoch.map { max($0, 1) }
    self.clock = clock
    let fm = FileManager.default
    if !append || !fm.fileExists(atPath: path) {
      guard fm.createFile(atPath: path, contents: nil) else {
        throw CLIFailure(
          "cannot create the metrics log \(path); check the directory's permissions, or pass --no-metrics")
      }
    }
    guard let handle = FileHandle(forWritingAtPath: path) else {
      throw CLIFailure("cannot open the metrics log \(path) for writing; check its permissions, or pass --no-metrics")
    }
    self.handle = handle
    if append, let keepingThrough {
      try? handle.truncate(atOffset: UInt64(Self.lengthOfLines(in: path, throughStep: keepingThrough)))
    }
    _ = try? handle.seekToEnd()
  }

  /// The length of the longest start of the log at `path` made of whole records of steps up to
  /// `step` (blank lines included).
  static func lengthOfLines(in path: String, throughStep step: Int) -> Int {
    guard let data = FileManager.default.contents(atPath: path) else { return 0 }
    let decoder = JSONDecoder()
    var kept = 0
    var start = data.startIndex
    while let newline = data[start...].firstIndex(of: UInt8(ascii: "\n")) {
      let line = data[start..<newline]
      if !line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) {
        guard let record = try? decoder.decode(MetricsRecord.self, from: line), record.step <= step else { break }
      }
      start = newline + 1
      kept = start - data.startIndex
    }
    return kept
  }

  deinit { try? handle.close() }

  /// A clock that reads seconds since its creation.
  static func secondsSinceStart() -> () -> Double {
    let start = ContinuousClock.now
    return {
      let d = ContinuousClock.now - start
      return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
  }

  /// Logs what `event` calls for; `learningRate` is the rate in force now, `sample` the
  /// validation's sample (if any).
  func handle(_ event: TrainingEvent, learningRate: Float, sample: String? = nil) {
    let now = clock()
    switch event {
    case .step(let report, let rate, _):
      latest = report
      if rate > 0 && rate.isFinite {
        pendingSymbols += Double(symbolsPerStep)
        pendingSeconds += Double(symbolsPerStep) / rate
      }
      let first = !firstStepSeen
      firstStepSeen = true
      guard first || now - lastLogged >= interval || report.step == totalSteps || report.skipped else { return }
      lastLogged = now
      append(
        MetricsRecord(
          event: "step", step: report.step, time: now, trainLoss: shortest(report.loss), valLoss: nil,
          learningRate: shortest(learningRate), gradNorm: shortest(report.gradientNorm),
          charsPerSecond: pendingSeconds > 0 ? pendingSymbols / pendingSeconds : nil))
      pendingSymbols = 0
      pendingSeconds = 0
    case .validation(let step, let loss, _):
      append(
        MetricsRecord(
          event: "validation", step: step, time: now, trainLoss: latest.map { shortest($0.loss) }, valLoss: loss,
          learningRate: shortest(learningRate), gradNorm: latest.map { shortest($0.gradientNorm) }, charsPerSecond: nil,
          sample: sample))
    }
  }

  /// Writes one record as a line; a write error is reported once and logging stops.
  func append(_ record: MetricsRecord) {
    guard !failed else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    // Non-finite losses (a diverging step) are not valid JSON numbers: log them as null.
    var record = record
    if let l = record.trainLoss, !l.isFinite { record.trainLoss = nil }
    if let g = record.gradNorm, !g.isFinite { record.gradNorm = nil }
    if let v = record.valLoss, !v.isFinite { record.valLoss = nil }
    if !record.learningRate.isFinite { record.learningRate = 0 }
    // Short numbers: time to the millisecond, throughput to 0.1 symbol/s.
    record.time = (record.time * 1000).rounded() / 1000
    record.charsPerSecond = record.charsPerSecond.map { ($0 * 10).rounded() / 10 }
    // The epoch to 1/10000 (K is at most a few million chunks; the plot needs no more).
    if let chunksPerEpoch { record.epoch = (Double(record.step) / Double(chunksPerEpoch) * 1e4).rounded() / 1e4 }
    do {
      var data = try encoder.encode(record)
      data.append(UInt8(ascii: "\n"))
      try handle.write(contentsOf: data)
    } catch {
      failed = true
      eprint(
        "charlm: cannot write the metrics log \(path) (\(error.localizedDescription)); training goes on without it")
    }
  }

  /// Reads a metrics log; blank lines are skipped.
  /// - Throws: ``CLIFailure`` naming the first line that is not a metrics record.
  static func read(path: String) throws -> [MetricsRecord] {
    let bytes = try TextInput.read(path, what: "metrics log")
    let decoder = JSONDecoder()
    var records: [MetricsRecord] = []
    for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
      if line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
      guard let record = try? decoder.decode(MetricsRecord.self, from: Data(line)) else {
        throw CLIFailure(
          "\(path) line \(index + 1) is not a charlm metrics record; give a .metrics.jsonl file written by charlm train"
        )
      }
      records.append(record)
    }
    return records
  }
}

/// A Float as the Double with the same shortest decimal form (0.002, not 0.0020000000949949026).
func shortest(_ x: Float) -> Double {
  x.isFinite ? Double("\(x)") ?? Double(x) : Double(x)
}

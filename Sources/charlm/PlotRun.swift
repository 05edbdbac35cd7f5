import ArgumentParser
import Foundation

/// What `charlm plot` draws along x.
enum PlotAxis: String, CaseIterable, ExpressibleByArgument {
  /// The optimizer step.
  case step
  /// Training time, seconds (summed over the invocations of a resumed run).
  case time
  /// Epochs of the training split (logged by charlm train since it logs an `epoch` field).
  case epoch
}

/// A point of a curve: x in the plot's unit (``PlotAxis``), y in bits/char or a learning rate.
struct PlotPoint: Equatable {
  var x: Double
  var y: Double
}

/// One run's curves, read from its metrics log: the training loss (as logged, and smoothed),
/// the validation loss and the learning rate, each by x.
struct PlotRun {
  /// The legend's name of the run (the model's file name).
  var name: String
  /// Training loss, bits/char, one point per logged step.
  var train: [PlotPoint]
  /// ``train`` smoothed (``Smoothing``); equal to it when smoothing is off.
  var smoothedTrain: [PlotPoint]
  /// Validation loss over the whole split, bits/char.
  var validation: [PlotPoint]
  /// Learning rate in force at each logged line.
  var learningRate: [PlotPoint]

  /// Losses drawn, bits/char: a log edited by hand can hold ±1e308, whose axis range overflows
  /// to infinity; no real loss is negative or near a million bits per character.
  static let plausibleBits = 0.0...1e6

  /// The curves of `records`. When steps go back (a run resumed from an earlier save, after a
  /// crash), the later records replace the earlier ones from that step on, so each curve is the
  /// path the final model took. Time adds up over invocations: a line whose `time` is below the
  /// previous line's starts a new invocation, which continues from where the previous one ended.
  /// - Throws: ``CLIFailure`` for `--x epoch` when the log does not carry epochs.
  init(name: String, records: [MetricsRecord], axis: PlotAxis, smoothing: Smoothing) throws {
    self.name = name
    var offset = 0.0
    var previousTime = -Double.infinity
    var xs: [Double] = []
    for record in records {
      if record.time < previousTime { offset += previousTime }
      previousTime = record.time
      switch axis {
      case .step: xs.append(Double(record.step))
      case .time: xs.append(offset + record.time)
      case .epoch:
        guard let epoch = record.epoch else {
          throw CLIFailure(
            "\(name)'s metrics log has no epochs (written by an older charlm train); plot it with --x step or --x time")
        }
        xs.append(epoch)
      }
    }
    let log2 = log(2.0)
    // Validation lines carry the training loss of their step too: the last step of a run that
    // hit --max-time is often logged only there.
    func curve(_ value: (MetricsRecord) -> Double?) -> [PlotPoint] {
      var kept: [(step: Int, point: PlotPoint)] = []
      for (record, x) in zip(records, xs) {
        guard let y = value(record) else { continue }
        while let last = kept.last, last.step >= record.step { kept.removeLast() }
        kept.append((record.step, PlotPoint(x: x, y: y)))
      }
      return kept.map(\.point)
    }
    train = curve { r in r.trainLoss.map { $0 / log2 } }.filter { Self.plausibleBits.contains($0.y) }
    validation = curve { r in r.event == "validation" ? r.valLoss.map { $0 / log2 } : nil }
      .filter { Self.plausibleBits.contains($0.y) }
    learningRate = curve { r in r.learningRate.isFinite && r.learningRate >= 0 ? r.learningRate : nil }
    smoothedTrain = smoothing.apply(train)
  }

  /// Every x of the run's curves.
  var xs: [Double] { (train + validation + learningRate).map(\.x) }
}

/// How the training loss is smoothed: not, by an exponential moving average (TensorBoard's
/// slider: weight in (0, 1), bias-corrected so the curve starts at the first point), or by the
/// mean of a window of points centred on each (cut short at the ends).
enum Smoothing: Equatable, ExpressibleByArgument {
  case off
  case exponential(weight: Double)
  case window(points: Int)

  /// `0` (or `1`): off; a number in (0, 1): an EMA of that weight; an integer ≥ 2: a window of
  /// that many points.
  init?(argument: String) {
    guard let value = Double(argument), value.isFinite, value >= 0 else { return nil }
    if value == 0 || value == 1 {
      self = .off
    } else if value < 1 {
      self = .exponential(weight: value)
    } else if value == value.rounded() && value <= 1e6 {
      self = .window(points: Int(value))
    } else {
      return nil
    }
  }

  /// `points` with their y smoothed; x stays.
  func apply(_ points: [PlotPoint]) -> [PlotPoint] {
    switch self {
    case .off:
      return points
    case .exponential(let weight):
      var average = 0.0
      var correction = 1.0
      return points.map { p in
        average = weight * average + (1 - weight) * p.y
        correction *= weight
        return PlotPoint(x: p.x, y: average / (1 - correction))
      }
    case .window(let count):
      // Centred, so the curve does not lag behind the log (an EMA does, as TensorBoard's).
      var prefix = [0.0]
      for p in points { prefix.append(prefix[prefix.count - 1] + p.y) }
      return points.indices.map { i in
        let (lo, hi) = (max(0, i - (count - 1) / 2), min(points.count - 1, i + count / 2))
        return PlotPoint(x: points[i].x, y: (prefix[hi + 1] - prefix[lo]) / Double(hi - lo + 1))
      }
    }
  }

  /// For the legend: `EMA 0.9`, `mean of 20`, or nil.
  var label: String? {
    switch self {
    case .off: nil
    case .exponential(let weight): "EMA \(weight)"
    case .window(let count): "mean of \(count)"
    }
  }
}

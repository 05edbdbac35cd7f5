import Foundation
import Kernels
import Modeling
import Testing

@testable import Training

/// The learning-rate schedule: one pure function of the options, the step and the plateau
/// reductions (`TrainingOptions.scheduledLearningRate`), and a trainer that follows it and
/// resumes it exactly.
@Suite struct LearningRateScheduleTests {
  static func options(
    _ schedule: LearningRateSchedule, warmup: Int = 0, steps: Int = 100, minLR: Float? = nil, decay: Float = 0.5,
    every: Int? = nil
  ) -> TrainingOptions {
    var o = TrainingOptions()
    (o.lrSchedule, o.warmupSteps, o.steps, o.minLearningRate) = (schedule, warmup, steps, minLR)
    (o.learningRate, o.lrDecay, o.lrDecayEvery) = (0.01, decay, every)
    return o
  }

  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    let options: TrainingOptions
    let step: Int
    let reductions: Int
    let expected: Float
    var testDescription: String { "\(name) at step \(step)" }
  }

  /// Expected values worked out by hand from the formulas in the doc comment.
  static let cases: [Case] = [
    Case(name: "constant", options: options(.constant), step: 0, reductions: 0, expected: 0.01),
    Case(name: "constant", options: options(.constant), step: 99, reductions: 3, expected: 0.01),
    Case(name: "warm-up, first step", options: options(.constant, warmup: 10), step: 0, reductions: 0, expected: 0.001),
    Case(name: "warm-up, middle", options: options(.constant, warmup: 10), step: 4, reductions: 0, expected: 0.005),
    Case(name: "warm-up, last step", options: options(.constant, warmup: 10), step: 9, reductions: 0, expected: 0.01),
    Case(name: "cosine, start", options: options(.cosine), step: 0, reductions: 0, expected: 0.01),
    // Half way: floor + (base − floor)/2 = 0.001 + 0.0045.
    Case(name: "cosine, half way", options: options(.cosine), step: 50, reductions: 0, expected: 0.0055),
    Case(name: "cosine, past the end", options: options(.cosine), step: 100, reductions: 0, expected: 0.001),
    // After 10 warm-up steps, 90 to go: step 55 is half way.
    Case(
      name: "cosine after warm-up", options: options(.cosine, warmup: 10), step: 55, reductions: 0, expected: 0.0055),
    Case(name: "cosine to --min-lr", options: options(.cosine, minLR: 0.002), step: 50, reductions: 0, expected: 0.006),
    Case(name: "step, before", options: options(.step, every: 30), step: 29, reductions: 0, expected: 0.01),
    Case(name: "step, first decay", options: options(.step, every: 30), step: 30, reductions: 0, expected: 0.005),
    Case(name: "step, third decay", options: options(.step, every: 30), step: 90, reductions: 0, expected: 0.00125),
    Case(name: "step, floor", options: options(.step, every: 10), step: 99, reductions: 0, expected: 0.001),
    Case(
      name: "step 0.97", options: options(.step, decay: 0.97, every: 10), step: 20, reductions: 0, expected: 0.009409),
    Case(name: "plateau, none", options: options(.plateau), step: 50, reductions: 0, expected: 0.01),
    Case(name: "plateau, one", options: options(.plateau), step: 50, reductions: 1, expected: 0.0025),
    Case(name: "plateau, floor", options: options(.plateau), step: 50, reductions: 2, expected: 0.001),
    Case(
      name: "plateau, lower floor", options: options(.plateau, minLR: 1e-4), step: 50, reductions: 2, expected: 0.000625
    ),
    Case(name: "plateau in warm-up", options: options(.plateau, warmup: 4), step: 1, reductions: 1, expected: 0.00125),
  ]

  @Test("the rate at a step (relative tolerance 1e-6)", arguments: cases)
  func rate(c: Case) {
    let got = c.options.scheduledLearningRate(atStep: c.step, plateauReductions: c.reductions)
    #expect(abs(got - c.expected) <= 1e-6 * c.expected, "got \(got), expected \(c.expected)")
  }

  @Test("constant without warm-up is exactly the base rate at every step (today's behaviour)")
  func constantIsExact() {
    var o = TrainingOptions()
    o.learningRate = 0.0023
    let worst = (0..<2000).map { o.scheduledLearningRate(atStep: $0, plateauReductions: $0 % 5) }.first { $0 != 0.0023 }
    #expect(worst == nil, "first different rate: \(worst ?? 0)")
  }

  @Test("cosine never rises and stays within [floor, base]; warm-up rises to the base", arguments: [0, 7])
  func cosineIsMonotone(warmup: Int) {
    let o = Self.options(.cosine, warmup: warmup)
    let rates = (0..<120).map { o.scheduledLearningRate(atStep: $0) }
    let afterWarmup = rates[warmup...]
    #expect(zip(afterWarmup, afterWarmup.dropFirst()).allSatisfy { $0 >= $1 })
    #expect(afterWarmup.allSatisfy { $0 >= 0.001 - 1e-9 && $0 <= 0.01 })
    #expect((0..<max(warmup - 1, 0)).allSatisfy { rates[$0] < rates[$0 + 1] })
  }

  // MARK: - The trainer

  static let ids: TokenIDs = {
    let symbols: [UInt16] = (0..<1200).map { (i: Int) -> UInt16 in UInt16((i * 7 + i / 13 + i / 101) % 11) }
    return .narrow(symbols)
  }()

  static func trainer(_ options: TrainingOptions) throws -> Trainer {
    var rng = SeededGenerator(seed: 42)
    let model = LanguageModel(
      config: ModelConfig(cell: .lstm, vocabSize: 11, embeddingSize: 4, hiddenSize: 8, layers: 1), generator: &rng)
    return try Trainer(model: model, train: ids.slice(0..<1000), validation: ids.slice(1000..<1200), options: options)
  }

  static func runOptions(_ schedule: LearningRateSchedule, warmup: Int, learningRate: Float) -> TrainingOptions {
    var o = TrainingOptions()
    (o.seqLength, o.batchSize, o.steps, o.evalEvery) = (5, 2, 60, 5)
    (o.lrSchedule, o.warmupSteps, o.learningRate) = (schedule, warmup, learningRate)
    return o
  }

  @Test("the optimizer takes the scheduled rate at each step")
  func trainerFollowsSchedule() throws {
    let o = Self.runOptions(.cosine, warmup: 10, learningRate: 0.01)
    let t = try Self.trainer(o)
    for s in 0..<30 {
      _ = t.trainStep()
      #expect(t.optimizer.learningRate == o.scheduledLearningRate(atStep: s), "step \(s)")
    }
  }

  struct Split: Sendable, CustomTestStringConvertible {
    let schedule: LearningRateSchedule
    let warmup: Int
    let learningRate: Float
    let stopAt: Int
    var testDescription: String { "\(schedule), warm-up \(warmup), lr \(learningRate), stopped at \(stopAt)" }
  }

  @Test(
    "a run stopped and restored ends bit for bit where an uninterrupted run ends",
    arguments: [
      Split(schedule: .cosine, warmup: 10, learningRate: 0.01, stopAt: 7),
      Split(schedule: .cosine, warmup: 10, learningRate: 0.01, stopAt: 23),
      Split(schedule: .step, warmup: 0, learningRate: 0.01, stopAt: 33),
      // A rate high enough that validations stop improving: reductions before and after the stop.
      Split(schedule: .plateau, warmup: 3, learningRate: 0.5, stopAt: 22),
    ])
  func splitEqualsWhole(split: Split) throws {
    var o = Self.runOptions(split.schedule, warmup: split.warmup, learningRate: split.learningRate)
    o.lrDecayEvery = split.schedule == .step ? 15 : nil
    let whole = try Self.trainer(o)
    var validations: [String] = []
    _ = try whole.run(
      checkpoint: {},
      onEvent: { if case .validation(let s, _, let i) = $0 { validations.append("\(s)\(i ? "+" : "-")") } })

    let first = try Self.trainer(o)
    let stopped = try first.run(shouldStop: { first.step >= split.stopAt }, checkpoint: {}, onEvent: { _ in })
    #expect(stopped.stopReason == .interrupted && stopped.steps == split.stopAt)
    let (tensors, metadata) = first.checkpointContents()
    let record = try #require(try TrainingRecord.read(metadata: metadata))
    let resumed = try Self.trainer(record.options)
    try resumed.restore(record: record, tensors: tensors, best: first.parametersToSave)
    #expect(resumed.plateauReductions == first.plateauReductions)
    _ = try resumed.run(checkpoint: {}, onEvent: { _ in })

    if split.schedule == .plateau {
      #expect(first.plateauReductions >= 1, "no reduction before the stop: \(validations)")
      #expect(whole.plateauReductions > first.plateauReductions, "no reduction after the stop: \(validations)")
    }
    for (name, a, b) in [
      ("parameters", resumed.model.parameters, whole.model.parameters),
      ("best parameters", resumed.bestParameters, whole.bestParameters),
      ("Adam's second moment", resumed.optimizer.secondMoment, whole.optimizer.secondMoment),
    ] {
      // Tolerance 0: bit for bit. The worst element is reported.
      let (x, y) = (a.array, b.array)
      let worst = zip(x, y).enumerated().max { abs($0.element.0 - $0.element.1) < abs($1.element.0 - $1.element.1) }
      let same = x == y
      #expect(same, "\(name) differ; worst at \(worst?.offset ?? -1): \(worst.map { "\($0.element)" } ?? "")")
    }
    let (saved, expected) = (resumed.checkpointContents().metadata, whole.checkpointContents().metadata)
    #expect(saved == expected)
  }

  @Test("patience stops after that many validations in a row without a new best; the best weights stay")
  func patienceStops() throws {
    // A rate of 0.5 overfits this tiny text at once: validation gets worse after the first few.
    var o = Self.runOptions(.constant, warmup: 0, learningRate: 0.5)
    (o.patience, o.steps) = (2, 500)
    var losses: [(step: Int, loss: Double, improved: Bool)] = []
    let t = try Self.trainer(o)
    let summary = try t.run(
      checkpoint: {},
      onEvent: { if case .validation(let s, let l, let i) = $0 { losses.append((s, l, i)) } })
    #expect(summary.stopReason == .noImprovement)
    let lastBest = try #require(losses.lastIndex { $0.improved })
    #expect(losses.count == lastBest + 1 + 2, "validations: \(losses.map { ($0.step, $0.improved) })")
    #expect(summary.steps == losses.last!.step && summary.steps < 500)
    #expect(t.parametersToSave.array == t.bestParameters.array)
    #expect(t.bestValidationLoss == losses[lastBest].loss)
  }

  @Test("epochs become ⌈E × K⌉ steps; the step schedule's default period is one epoch")
  func epochsBecomeSteps() throws {
    var o = Self.runOptions(.step, warmup: 0, learningRate: 0.01)
    o.epochs = 2.5
    let t = try Self.trainer(o)
    // 1000 symbols, B = 2: streams of 500, (500 − 1) / 5 = 99 chunks.
    #expect(t.chunksPerEpoch == 99)
    #expect(t.options.steps == 248 && t.options.lrDecayEvery == 99)
  }

  @Test("a record without the schedule's keys (older files) decodes as today's run; one with them round-trips")
  func recordCompatibility() throws {
    let json =
      #"{"batch_size":2,"clip":5,"dropout":0,"eval_every":100,"learning_rate":0.002,"seed":1,"seq_length":5,"steps":10,"val_fraction":0.1,"val_split":"sampled"}"#
    let old = try JSONDecoder().decode(TrainingOptions.self, from: Data(json.utf8))
    #expect(old.lrSchedule == .constant && old.warmupSteps == 0 && old.patience == 0 && old.epochs == nil)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    #expect(String(decoding: try encoder.encode(old), as: UTF8.self) == json, "defaults add no keys")
    var o = old
    (o.lrSchedule, o.warmupSteps, o.minLearningRate, o.lrDecay, o.lrDecayEvery) = (.step, 3, 1e-4, 0.9, 7)
    (o.patience, o.epochs) = (4, 1.5)
    #expect(try JSONDecoder().decode(TrainingOptions.self, from: encoder.encode(o)) == o)
  }
}

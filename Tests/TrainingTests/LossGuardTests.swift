import Kernels
import Modeling
import Testing

@testable import Training

/// The loss guard in `Trainer.trainStep`: a non-finite loss, gradient or parameter never
/// reaches the next step. Failures are injected by poisoning the model's parameters.
@Suite struct LossGuardTests {
  /// A tiny trainer (V 5, E 4, H 6, L 1; T 4, B 2) on 200 seeded ids, no validation split.
  static func makeTrainer() throws -> Trainer {
    var generator = SeededGenerator(seed: 7)
    let model = LanguageModel(
      config: ModelConfig(vocabSize: 5, embeddingSize: 4, hiddenSize: 6, layers: 1), generator: &generator)
    let ids = (0..<200).map { _ in UInt16(generator.next() % 5) }
    var options = TrainingOptions()
    (options.seqLength, options.batchSize, options.steps, options.evalEvery) = (4, 2, 100, 0)
    return try Trainer(model: model, train: .narrow(ids), validation: nil, options: options)
  }

  static func bits(_ buffer: FloatBuffer) -> [UInt32] { buffer.array.map(\.bitPattern) }

  /// Everything a failed step must leave as it was, and what it must change.
  struct Snapshot: Equatable {
    let parameters: [UInt32]
    let firstMoment: [UInt32]
    let secondMoment: [UInt32]
    let adamStep: Int
    init(_ trainer: Trainer) {
      parameters = LossGuardTests.bits(trainer.model.parameters)
      firstMoment = LossGuardTests.bits(trainer.optimizer.firstMoment)
      secondMoment = LossGuardTests.bits(trainer.optimizer.secondMoment)
      adamStep = trainer.optimizer.step
    }
  }

  /// NaN and ∞ written into the parameters between steps: the step is skipped and the
  /// parameters come back bit for bit as the last good step left them; training then goes on.
  @Test func poisonedParametersAreRolledBack() throws {
    let trainer = try Self.makeTrainer()
    for _ in 0..<3 { #expect(!trainer.trainStep().skipped) }
    let before = Snapshot(trainer)
    let learningRate = trainer.optimizer.learningRate
    trainer.model.parameters.pointer[3] = .nan
    trainer.model.parameters.pointer[trainer.model.parameters.count - 1] = .infinity

    let report = trainer.trainStep()
    #expect(report.skipped)
    #expect(!report.loss.isFinite || !report.gradientNorm.isFinite)
    #expect(report.step == 4, "a skipped step still counts")
    #expect(Snapshot(trainer) == before, "parameters or Adam state changed by a failed step")
    #expect(trainer.optimizer.learningRate == learningRate / 2)
    #expect(trainer.carried.h.array.allSatisfy { $0 == 0 } && trainer.carried.c.array.allSatisfy { $0 == 0 })
    #expect(trainer.consecutiveFailures == 1)

    let next = trainer.trainStep()
    #expect(!next.skipped && next.loss.isFinite)
    #expect(trainer.consecutiveFailures == 0)
    #expect(Trainer.allFinite(trainer.model.parameters))
  }

  /// Finite but absurd parameters (head bias ±Float.greatestFiniteMagnitude) make the loss
  /// overflow to +∞ without any NaN in the parameters: the update is skipped, nothing changes
  /// but the learning rate; five in a row end the run with `diverged` after a checkpoint.
  @Test func overflowingLossSkipsThenDiverges() throws {
    let trainer = try Self.makeTrainer()
    #expect(!trainer.trainStep().skipped)
    let bias = try #require(trainer.model.layout.slots.first { $0.name == "head.bias" })
    let p = trainer.model.parameters.pointer(to: bias)
    for i in 0..<bias.count { p[i] = i % 2 == 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude }
    let before = Snapshot(trainer)

    let report = trainer.trainStep()
    #expect(report.skipped)
    #expect(report.loss == .infinity, "loss \(report.loss)")
    #expect(Snapshot(trainer) == before)

    var checkpoints = 0
    var skippedEvents = 0
    #expect(throws: TrainingError.diverged(step: 6)) {
      _ = try trainer.run(checkpoint: { checkpoints += 1 }) { event in
        if case .step(let report, _, _) = event, report.skipped { skippedEvents += 1 }
      }
    }
    #expect(checkpoints == 1, "the run must save once before it reports divergence")
    #expect(skippedEvents == 4)
    #expect(Snapshot(trainer) == before, "the saved parameters are the last good ones")
    #expect(trainer.optimizer.learningRate == TrainingOptions().learningRate / 32)
  }

  /// `allFinite` sees NaN, ±∞ anywhere (also in the SIMD tail), and accepts the largest floats.
  @Test func allFiniteFindsEveryNonFiniteValue() {
    let buffer = FloatBuffer([Float](repeating: .greatestFiniteMagnitude, count: 19))
    #expect(Trainer.allFinite(buffer))
    for index in [0, 7, 8, 18] {
      for bad: Float in [.nan, .infinity, -.infinity] {
        let copy = buffer.clone()
        copy.pointer[index] = bad
        #expect(!Trainer.allFinite(copy), "\(bad) at \(index)")
      }
    }
  }
}

import Kernels
import Modeling
import Testing

@testable import Training

/// Trainer behaviour that the CLI relies on: what is saved, and how a too-short corpus is reported.
@Suite struct TrainerTests {
  static func trainer(symbols: Int = 200, validation: Int? = 40, batch: Int = 2, steps: Int = 4) throws -> Trainer {
    var rng = SeededGenerator(seed: 3)
    let model = LanguageModel(
      config: ModelConfig(vocabSize: 5, embeddingSize: 3, hiddenSize: 4, layers: 1), generator: &rng)
    var options = TrainingOptions()
    options.batchSize = batch
    options.seqLength = steps
    let ids = TokenIDs.narrow((0..<symbols).map { UInt16($0 % 5) })
    return try Trainer(
      model: model, train: ids, validation: validation.map { .narrow((0..<$0).map { UInt16($0 % 5) }) },
      options: options)
  }

  @Test("before the first validation, the file gets the current weights, not the initial ones")
  func savesCurrentWeightsBeforeValidation() throws {
    let t = try Self.trainer()
    for _ in 0..<3 { t.trainStep() }
    #expect(t.parametersToSave === t.model.parameters)
    t.validate()
    #expect(t.parametersToSave === t.bestParameters)
  }

  @Test("a corpus shorter than one chunk states the streams and the steps that each fit alone, without flags")
  func tooShortStatesWhatFits() throws {
    #expect(throws: TrainingError.corpusTooShort(symbols: 9, batch: 2, steps: 8)) {
      try Self.trainer(symbols: 9, validation: nil, batch: 2, steps: 8)
    }
    let error = TrainingError.corpusTooShort(symbols: 9, batch: 2, steps: 8)
    #expect(error.fittingChunk?.batch == 1 && error.fittingChunk?.steps == 4)
    #expect(error.description.contains("B ≤ 1 fits with T = 8; T ≤ 4 fits with B = 2"))
    let tiny = TrainingError.corpusTooShort(symbols: 24, batch: 32, steps: 64)
    #expect(tiny.fittingChunk?.batch == nil && tiny.fittingChunk?.steps == nil)
    for message in [error.description, tiny.description] { #expect(!message.contains("--")) }
  }
}

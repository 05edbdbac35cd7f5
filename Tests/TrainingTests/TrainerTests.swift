import Kernels
import Testing

@testable import Modeling
@testable import Training

/// Trainer behaviour that the CLI relies on: what is saved, and how a too-short corpus is reported.
@Suite struct TrainerTests {
  static func trainer(
    symbols: Int = 200, validation: Int? = 40, batch: Int = 2, steps: Int = 4, evalEvery: Int = 200
  ) throws -> Trainer {
    var rng = SeededGenerator(seed: 3)
    let model = LanguageModel(
      config: ModelConfig(vocabSize: 5, embeddingSize: 3, hiddenSize: 4, layers: 1), generator: &rng)
    var options = TrainingOptions()
    options.batchSize = batch
    options.seqLength = steps
    options.evalEvery = evalEvery
    let ids = TokenIDs.narrow((0..<symbols).map { UInt16($0 % 5) })
    return try Trainer(
      model: model, train: ids, validation: validation.map { .narrow((0..<$0).map { UInt16($0 % 5) }) },
      options: options)
  }

  @Test("before the first validation, the file gets the current weights, not the initial ones")
  func savesCurrentWeightsBeforeValidation() throws {
    let t = try Self.trainer(evalEvery: 3)
    for _ in 0..<3 { t.trainStep() }
    #expect(t.parametersToSave === t.model.parameters)
    t.validate()
    #expect(t.parametersToSave === t.bestParameters)
  }

  @Test("a validation off the eval grid is a provisional best: saved, but not what a resume continues from")
  func offGridValidationIsProvisional() throws {
    let t = try Self.trainer(evalEvery: 2)
    for _ in 0..<2 { t.trainStep() }
    let onGrid = try #require(t.validate())
    #expect(t.bestValidationLoss == onGrid.loss && t.provisionalBestLoss == nil)
    t.trainStep()  // step 3: off the grid
    let offGrid = try #require(t.validate())
    #expect(t.bestValidationLoss == onGrid.loss, "the grid's best changed")
    if offGrid.improved {
      #expect(t.provisionalBestLoss == offGrid.loss && t.parametersToSave === t.model.parameters)
      #expect(t.checkpointContents().tensors["train.best_parameters"] != nil)
    } else {
      #expect(t.provisionalBestLoss == nil && t.parametersToSave === t.bestParameters)
    }
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

/// SHA-256 against the FIPS 180-4 examples and lengths around the padding boundary.
@Suite struct SHA256Tests {
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
  ])
  func knownDigests(text: String, digest: String) {
    #expect(TextFingerprint(of: Array(text.utf8)).sha256 == digest)
  }

  @Test func millionAs() {
    let digest = TextFingerprint(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).sha256
    #expect(digest == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }
}

/// The parameter count behind the memory estimate equals the layout's, for every cell.
@Suite struct TrainingMemoryTests {
  @Test(arguments: [CellKind.lstm, .gru, .rnn])
  func parameterCountMatchesTheLayout(cell: CellKind) {
    for layers in [1, 3] {
      let config = ModelConfig(cell: cell, vocabSize: 11, embeddingSize: 5, hiddenSize: 7, layers: layers)
      #expect(ParameterLayout.estimatedCount(config: config) == Double(ParameterLayout(config: config).totalCount))
    }
  }
}

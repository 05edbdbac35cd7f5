import Foundation
import Kernels
import Modeling
import TestSupport
import Testing
@testable import Training

/// The Trainer's dropout: masks from its seeded generator (a seed reproduces a run, a
/// checkpoint resumes it exactly), validation never drops, and p = 0 leaves runs untouched.
@Suite struct DropoutTrainingTests {
  static let config = ModelConfig(cell: .gru, vocabSize: 9, embeddingSize: 4, hiddenSize: 8, layers: 2)

  static func trainer(dropout: Float, seed: UInt64 = 1, cell: CellKind = .gru) throws -> Trainer {
    var options = TrainingOptions()
    (options.seqLength, options.batchSize, options.seed, options.dropout) = (5, 2, seed, dropout)
    let ids = TokenIDs.narrow((0..<400).map { UInt16(($0 * 7 + $0 / 13) % 9) })
    var rng = SeededGenerator(seed: 42)
    let config = ModelConfig(cell: cell, vocabSize: 9, embeddingSize: 4, hiddenSize: 8, layers: 2)
    let model = LanguageModel(config: config, generator: &rng)
    return try Trainer(model: model, train: ids.slice(0..<360), validation: ids.slice(360..<400), options: options)
  }

  @Test("validation loss does not depend on the dropout probability", arguments: CellKind.allCases)
  func validationNeverDrops(cell: CellKind) throws {
    let (a, b) = (try Self.trainer(dropout: 0, cell: cell), try Self.trainer(dropout: 0.5, cell: cell))
    #expect(a.validate()?.loss == b.validate()?.loss)
    // Training does drop: the first step's loss differs.
    #expect(a.trainStep().loss != b.trainStep().loss)
  }

  @Test("the same seed reproduces a run with dropout; another seed does not")
  func seedReproduces() throws {
    let (a, b, c) = (
      try Self.trainer(dropout: 0.3), try Self.trainer(dropout: 0.3), try Self.trainer(dropout: 0.3, seed: 2)
    )
    for _ in 0..<4 { _ = (a.trainStep(), b.trainStep(), c.trainStep()) }
    #expect(a.model.parameters.array == b.model.parameters.array)
    #expect(a.generator == b.generator)
    #expect(a.model.parameters.array != c.model.parameters.array)
  }

  @Test("a checkpoint after 3 steps resumes to the same parameters as 6 steps in a row")
  func resumeRestoresMasks() throws {
    let whole = try Self.trainer(dropout: 0.3)
    for _ in 0..<6 { _ = whole.trainStep() }
    let first = try Self.trainer(dropout: 0.3)
    for _ in 0..<3 { _ = first.trainStep() }
    let (tensors, metadata) = first.checkpointContents()
    let record = try #require(TrainingRecord(metadata: metadata))
    #expect(record.options.dropout == 0.3)
    let resumed = try Self.trainer(dropout: 0.3)
    try resumed.restore(record: record, tensors: tensors, best: first.bestParameters)
    for _ in 0..<3 { _ = resumed.trainStep() }
    #expect(resumed.model.parameters.array == whole.model.parameters.array)
  }

  @Test("p = 0 draws nothing from the generator")
  func noDropoutLeavesGenerator() throws {
    let t = try Self.trainer(dropout: 0)
    let before = t.generator
    _ = t.trainStep()
    #expect(t.generator == before)
  }

  @Test("a record without a dropout key (older files) decodes as 0")
  func olderRecordDecodes() throws {
    let json =
      #"{"batch_size":2,"clip":5,"eval_every":100,"learning_rate":0.002,"seed":1,"seq_length":5,"steps":10,"val_fraction":0.1}"#
    let options = try JSONDecoder().decode(TrainingOptions.self, from: Data(json.utf8))
    #expect(options.dropout == 0 && options.batchSize == 2)
  }
}

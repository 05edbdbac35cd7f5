import Foundation
import Modeling

/// What a resumed run needs besides the model's own tensors: this record, stored as
/// ``MetadataKey/trainingRecord`` metadata, and the tensors `train.parameters`, `train.adam.m`,
/// `train.adam.v` (flat, parameter layout), `train.state.h`, `train.state.c` (L, B, H). Read
/// in one place, ``init(metadata:)``; `charlm info` shows it.
public struct TrainingRecord: Codable, Equatable, Sendable {
  /// Optimizer steps taken.
  public var step: Int
  /// Adam's own step count (bias correction).
  public var adamStep: Int
  /// The learning rate in force (the loss guard may have lowered it).
  public var currentLearningRate: Float
  /// Steps in a row whose update the loss guard skipped.
  public var consecutiveFailures: Int
  /// xoshiro256** state words as decimal strings (JSON numbers lose 64-bit precision).
  public var generator: [String]
  /// Best and most recent mean validation loss, nats per symbol.
  public var bestValidationLoss: Double?
  public var lastValidationLoss: Double?
  /// The run's options.
  public var options: TrainingOptions

  enum CodingKeys: String, CodingKey {
    case step
    case adamStep = "adam_step"
    case currentLearningRate = "current_learning_rate"
    case consecutiveFailures = "consecutive_failures"
    case generator
    case bestValidationLoss = "best_val_loss"
    case lastValidationLoss = "last_val_loss"
    case options
  }

  /// The metadata value: JSON with sorted keys, so files are byte-for-byte reproducible.
  public var json: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try! encoder.encode(self), as: UTF8.self)
  }
}

extension TrainingRecord {
  /// The record a model file's metadata carries, or nil when it has none (or an unreadable one).
  public init?(metadata: [String: String]) {
    guard let text = metadata[MetadataKey.trainingRecord],
      let record = try? JSONDecoder().decode(Self.self, from: Data(text.utf8))
    else { return nil }
    self = record
  }
}

import Foundation
import Modeling

/// What a resumed run needs besides the model's own tensors: this record, stored as
/// ``MetadataKey/trainingRecord`` metadata, and the tensors `train.parameters`, `train.adam.m`,
/// `train.adam.v` (flat, parameter layout), `train.state.h`, `train.state.c` (L, B, H), and
/// `train.best_parameters` (flat; only when the file's weights are a provisional best). Read in
/// one place, ``read(metadata:)``, which range-checks every field; `charlm info` shows it.
/// Non-finite losses are written as the strings "nan", "inf", "-inf".
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
  /// The text trained on (absent in files written before it was recorded).
  public var text: TextFingerprint?
  /// The separate validation text (`--val-file`), when the run validates on one.
  public var validationText: TextFingerprint?
  /// The schedule's state: the plateau schedule's reductions, the validations in a row without
  /// a new best (for `patience`), and the loss guard's halvings of the rate. Each is written only
  /// when not 0; absent (older files): 0, and the halvings follow from the rate in force.
  public var plateauReductions: Int?
  public var validationsWithoutImprovement: Int?
  public var lossGuardHalvings: Int?

  enum CodingKeys: String, CodingKey {
    case step
    case adamStep = "adam_step"
    case currentLearningRate = "current_learning_rate"
    case consecutiveFailures = "consecutive_failures"
    case generator
    case bestValidationLoss = "best_val_loss"
    case lastValidationLoss = "last_val_loss"
    case options
    case text
    case validationText = "validation_text"
    case plateauReductions = "plateau_reductions"
    case validationsWithoutImprovement = "validations_without_improvement"
    case lossGuardHalvings = "loss_guard_halvings"
  }

  /// The metadata value: JSON with sorted keys, so files are byte-for-byte reproducible;
  /// non-finite losses as strings, never a crash.
  public var json: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try! encoder.encode(self), as: UTF8.self)
  }
}

extension TrainingRecord {
  /// The record a model file's metadata carries, checked (``checked()``); nil when it has none.
  /// - Throws: ``TrainingError/invalidRecord(field:value:allowed:)`` when it is there but
  ///   unreadable or a field is out of range.
  public static func read(metadata: [String: String]) throws(TrainingError) -> TrainingRecord? {
    guard let json = metadata[MetadataKey.trainingRecord] else { return nil }
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    guard let record = try? decoder.decode(Self.self, from: Data(json.utf8)) else {
      throw .invalidRecord(field: "the record", value: "unreadable", allowed: "a JSON object written by charlm train")
    }
    return try record.checked()
  }

  /// The record of ``read(metadata:)``, or nil when there is none or it does not pass its checks.
  public init?(metadata: [String: String]) {
    guard let record = try? Self.read(metadata: metadata) else { return nil }
    self = record
  }
}

extension TrainingRecord {
  /// Times the loss guard halved the rate: ``lossGuardHalvings``, or for a file written before
  /// they were recorded, what its rates imply.
  public var lossGuardHalvingsSoFar: Int { lossGuardHalvings ?? impliedLossGuardHalvings }

  /// The loss guard's halvings of a file written before they were recorded: such a run had a
  /// constant rate, so the rate in force is the base rate × 2^−halvings. (A file with a schedule
  /// records its halvings; absent, they are 0.)
  var impliedLossGuardHalvings: Int {
    guard options.lrSchedule == .constant && options.warmupSteps == 0 else { return 0 }
    let ratio = Double(options.learningRate) / Double(currentLearningRate)
    return ratio > 1 ? Int(log2(ratio).rounded()) : 0
  }
}

import Foundation
import Modeling

/// Where a model file's weights come from, for people rather than for `--resume`: stored as
/// ``MetadataKey/run`` metadata by every save of `charlm train` (and kept by `charlm export`, which
/// drops the ``TrainingRecord``), shown by `charlm info`. Nothing reads it to train: a file
/// without it (older, or made elsewhere) trains and samples the same.
public struct RunProvenance: Codable, Equatable, Sendable {
  /// Which parameters the model tensors are.
  public enum Weights: String, Codable, Sendable {
    /// The best validation of the run so far (on the `eval_every` grid).
    case best
    /// The parameters at ``RunProvenance/weightsStep`` (no validation split, no validation yet, a
    /// provisional best at the end of an invocation, or a snapshot).
    case current
  }

  /// charlm's version that wrote the file (`charlm --version`).
  public var version: String
  /// A `charlm train` command line, one argument per element, that reproduces the run.
  public var command: [String]
  /// The training text as it was named on the command line, and its fingerprint.
  public var textPath: String
  public var text: TextFingerprint?
  /// Seconds spent in `charlm train` on this run so far, over every invocation (wall clock).
  public var trainingSeconds: Double
  /// Symbols the run has predicted in training (steps × T × B).
  public var symbolsSeen: Int
  /// Which parameters the model tensors are, the step they come from, and their validation
  /// loss (nats per symbol; nil when not validated at that step). The step is nil for the best
  /// weights of a run resumed from a file older than this record.
  public var weights: Weights
  public var weightsStep: Int?
  public var weightsValidationLoss: Double?
  /// Step of the grid's best validation (``TrainingRecord/bestValidationLoss``), which a resume
  /// continues from; nil before the first one.
  public var bestStep: Int?

  public init(
    version: String, command: [String], textPath: String, text: TextFingerprint?, trainingSeconds: Double = 0,
    symbolsSeen: Int = 0, weights: Weights = .current, weightsStep: Int? = nil, weightsValidationLoss: Double? = nil,
    bestStep: Int? = nil
  ) {
    (self.version, self.command, self.textPath, self.text) = (version, command, textPath, text)
    (self.trainingSeconds, self.symbolsSeen) = (trainingSeconds, symbolsSeen)
    (self.weights, self.weightsStep, self.weightsValidationLoss, self.bestStep) =
      (weights, weightsStep, weightsValidationLoss, bestStep)
  }

  enum CodingKeys: String, CodingKey {
    case version, command
    case textPath = "text_path"
    case text
    case trainingSeconds = "training_seconds"
    case symbolsSeen = "symbols_seen"
    case weights
    case weightsStep = "weights_step"
    case weightsValidationLoss = "weights_val_loss"
    case bestStep = "best_step"
  }

  /// The metadata value: JSON with sorted keys; non-finite losses as strings.
  public var json: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try! encoder.encode(self), as: UTF8.self)
  }

  /// The provenance a file's metadata carries; nil when it has none or it is unreadable (it is
  /// only ever shown, so an edited one is left out rather than refused).
  public init?(metadata: [String: String]) {
    guard let json = metadata[MetadataKey.run] else { return nil }
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    guard let value = try? decoder.decode(Self.self, from: Data(json.utf8)) else { return nil }
    self = value
  }
}

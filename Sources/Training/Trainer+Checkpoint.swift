import Foundation
import Kernels
import Modeling

/// What a resumed run needs besides the model's own tensors, stored in the model file as
/// tensors `train.parameters`, `train.adam.m`, `train.adam.v` (flat, parameter layout),
/// `train.state.h`, `train.state.c` (L, B, H), `train.best_parameters` (flat; only when the
/// file's weights are a provisional best, see ``Trainer/provisionalBestLoss``), and this record
/// as `charlm.train` metadata. Non-finite losses are written as the strings "nan", "inf", "-inf".
struct TrainingRecord: Codable, Equatable {
  var step: Int
  var adamStep: Int
  /// The learning rate in force (the loss guard may have lowered it).
  var currentLearningRate: Float
  var consecutiveFailures: Int
  /// xoshiro256** state words as decimal strings (JSON numbers lose 64-bit precision).
  var generator: [String]
  var bestValidationLoss: Double?
  var lastValidationLoss: Double?
  var options: TrainingOptions
  /// The text trained on (absent in files written before it was recorded).
  var text: TextFingerprint?

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
  }
}

extension TrainingRecord {
  /// Sorted keys (reproducible bytes); non-finite losses as strings, never a crash.
  static var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  /// Reads what ``encoder`` writes.
  static var decoder: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }
}

extension Trainer {
  /// Metadata key of the training record.
  public static let recordKey = "charlm.train"

  /// The training state to store beside the model: tensors and metadata.
  public func checkpointContents() -> (tensors: [String: TensorData], metadata: [String: String]) {
    let (L, B, H) = (carried.layers, carried.batch, carried.hidden)
    var tensors: [String: TensorData] = [
      "train.parameters": TensorData(shape: [model.parameters.count], values: model.parameters.array),
      "train.adam.m": TensorData(shape: [optimizer.firstMoment.count], values: optimizer.firstMoment.array),
      "train.adam.v": TensorData(shape: [optimizer.secondMoment.count], values: optimizer.secondMoment.array),
      "train.state.h": TensorData(shape: [L, B, H], values: carried.h.array),
      "train.state.c": TensorData(shape: [L, B, H], values: carried.c.array),
    ]
    if provisionalBestLoss != nil && bestValidationLoss != nil {
      tensors[Self.bestParametersTensor] = TensorData(shape: [bestParameters.count], values: bestParameters.array)
    }
    // The time limit belongs to one invocation, not to the run (a split run must save the
    // same bytes as an uninterrupted one).
    var runOptions = options
    runOptions.maxTime = nil
    let record = TrainingRecord(
      step: step, adamStep: optimizer.step, currentLearningRate: optimizer.learningRate,
      consecutiveFailures: consecutiveFailures, generator: generator.stateWords.map { String($0) },
      bestValidationLoss: bestValidationLoss, lastValidationLoss: lastValidationLoss, options: runOptions,
      text: textFingerprint)
    let json = String(decoding: try! TrainingRecord.encoder.encode(record), as: UTF8.self)
    return (tensors, [Self.recordKey: json])
  }

  /// The tensor of the grid's best parameters when the file's weights are a provisional best.
  static let bestParametersTensor = "train.best_parameters"

  /// The step a model file's training record reached, if it has one.
  public static func savedStep(metadata: [String: String]) -> Int? {
    metadata[recordKey].flatMap { try? TrainingRecord.decoder.decode(TrainingRecord.self, from: Data($0.utf8)).step }
  }

  /// The options a model file's training record was trained with, if it has one.
  public static func savedOptions(metadata: [String: String]) -> TrainingOptions? {
    metadata[recordKey].flatMap { try? TrainingRecord.decoder.decode(TrainingRecord.self, from: Data($0.utf8)).options }
  }

  /// Restores the state saved by ``checkpointContents()``; the model's current parameters are
  /// replaced by the saved current (not best) parameters, and `bestParameters` by the model
  /// file's weights (`best`).
  public func restore(tensors: [String: TensorData], metadata: [String: String], best: FloatBuffer)
    throws(TrainingError)
  {
    guard let record = try TrainingRecord.read(metadata: metadata) else {
      throw .resumeMismatch("the model file has no training state (it was not written by charlm train)")
    }
    guard record.options.batchSize == options.batchSize, record.options.seqLength == options.seqLength,
      record.options.valFraction == options.valFraction
    else {
      throw .resumeMismatch(
        "the file was trained with --batch-size \(record.options.batchSize) --seq-length \(record.options.seqLength) "
          + "--val-fraction \(record.options.valFraction), this run asks for --batch-size \(options.batchSize) "
          + "--seq-length \(options.seqLength) --val-fraction \(options.valFraction)")
    }
    try record.checkText(textFingerprint)
    let words = record.generator.compactMap(UInt64.init)
    guard words.count == 4, words.contains(where: { $0 != 0 }) else {
      throw .resumeMismatch("its random state is invalid")
    }
    let (L, B, H) = (carried.layers, carried.batch, carried.hidden)
    func load(_ name: String, into buffer: FloatBuffer, shape: [Int]) throws(TrainingError) {
      guard let t = tensors[name], t.shape == shape else {
        throw .resumeMismatch("tensor \(name) is missing or misshapen")
      }
      t.values.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: buffer.count) }
    }
    let P = model.parameters.count
    try load("train.parameters", into: model.parameters, shape: [P])
    try load("train.adam.m", into: optimizer.firstMoment, shape: [P])
    try load("train.adam.v", into: optimizer.secondMoment, shape: [P])
    try load("train.state.h", into: carried.h, shape: [L, B, H])
    try load("train.state.c", into: carried.c, shape: [L, B, H])
    guard Self.allFinite(model.parameters) else {
      throw .resumeMismatch("its training state (train.parameters) holds NaN or infinite values")
    }
    lastGoodParameters.copy(from: model.parameters)
    if tensors[Self.bestParametersTensor] != nil {
      try load(Self.bestParametersTensor, into: bestParameters, shape: [P])
    } else {
      bestParameters.copy(from: best)
    }
    step = record.step
    optimizer.restore(step: record.adamStep)
    optimizer.learningRate = record.currentLearningRate
    consecutiveFailures = record.consecutiveFailures
    generator = SeededGenerator(stateWords: words)
    bestValidationLoss = record.bestValidationLoss
    lastValidationLoss = record.lastValidationLoss
  }
}

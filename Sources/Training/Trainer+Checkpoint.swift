import Foundation
import Kernels
import Modeling
import SafeTensors

extension Trainer {
  /// The training state to store beside the model: tensors and metadata. A `snapshot` file's
  /// model tensors are the current parameters, so it keeps the grid's best ones as
  /// ``bestParametersTensor`` whenever there are any (a resume from it continues exactly).
  public func checkpointContents(snapshot: Bool = false) -> (
    tensors: [String: TensorData], metadata: [String: String]
  ) {
    let (L, B, H) = (carried.layers, carried.batch, carried.hidden)
    var tensors: [String: TensorData] = [
      "train.parameters": TensorData(shape: [model.parameters.count], values: model.parameters.array),
      "train.adam.m": TensorData(shape: [optimizer.firstMoment.count], values: optimizer.firstMoment.array),
      "train.adam.v": TensorData(shape: [optimizer.secondMoment.count], values: optimizer.secondMoment.array),
      "train.state.h": TensorData(shape: [L, B, H], values: carried.h.array),
      "train.state.c": TensorData(shape: [L, B, H], values: carried.c.array),
    ]
    if (snapshot || provisionalBestLoss != nil) && bestValidationLoss != nil {
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
      text: textFingerprint, validationText: validationFingerprint, plateauReductions: plateauReductions == 0 ? nil : plateauReductions,
      validationsWithoutImprovement: validationsWithoutImprovement == 0 ? nil : validationsWithoutImprovement,
      lossGuardHalvings: lossGuardHalvings == 0 ? nil : lossGuardHalvings)
    return (tensors, [MetadataKey.trainingRecord: record.json])
  }

  /// The tensor of the grid's best parameters when the file's weights are a provisional best
  /// (see ``Trainer/provisionalBestLoss``) or a snapshot's current ones.
  public static let bestParametersTensor = "train.best_parameters"

  /// A trainer that continues the run saved in `file` (its training `record`, read once by the
  /// caller with ``TrainingRecord/read(metadata:)``) on the given splits of the text `text`
  /// (refused when the record names another text). `options` are the
  /// record's, with any changes the caller allows (the data layout must stay); `learningRate`,
  /// when given, replaces the one in force (the loss guard may have lowered it).
  /// - Throws: ``TrainingError`` when the splits are too short or the state does not fit.
  public convenience init(
    resuming file: ModelFile, record: TrainingRecord, train: TokenIDs, validation: TokenIDs?,
    options: TrainingOptions, text: TextFingerprint? = nil, validationText: TextFingerprint? = nil,
    learningRate: Float? = nil
  ) throws(TrainingError) {
    try self.init(
      model: LanguageModel(config: file.config, parameters: file.parameters.clone()), train: train,
      validation: validation, options: options)
    textFingerprint = text
    validationFingerprint = validationText
    try restore(record: record, tensors: file.trainingTensors, best: file.parameters)
    if let learningRate { setLearningRate(learningRate) }
  }

  /// Restores the state saved by ``checkpointContents()``; the model's current parameters are
  /// replaced by the saved current (not best) parameters, and `bestParameters` by the model
  /// file's weights (`best`).
  func restore(record: TrainingRecord, tensors: [String: TensorData], best: FloatBuffer) throws(TrainingError) {
    try record.checkValidation(options, text: validationFingerprint)
    guard record.options.batchSize == options.batchSize, record.options.seqLength == options.seqLength,
      record.options.valFraction == options.valFraction
    else {
      throw .layoutMismatch(
        savedBatch: record.options.batchSize, savedSteps: record.options.seqLength,
        savedValidationFraction: record.options.valFraction)
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
    plateauReductions = record.plateauReductions ?? 0
    validationsWithoutImprovement = record.validationsWithoutImprovement ?? 0
    lossGuardHalvings = record.lossGuardHalvingsSoFar
  }
}

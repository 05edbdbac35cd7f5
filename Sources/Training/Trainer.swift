import Kernels
import Modeling

/// Truncated back-propagation through time over B contiguous streams, with the state carried
/// (and detached) from chunk to chunk, global-norm clipping and Adam.
///
/// Works on token ids only. The data position is a function of the step (chunk k = step mod K;
/// the state resets to zero when an epoch starts), so the step, the optimizer, the carried
/// state and the random state are all a resume needs (see `Trainer+Checkpoint.swift`).
public final class Trainer {
  /// The model being trained (its parameters are the current ones).
  public let model: LanguageModel
  /// The run's options.
  public private(set) var options: TrainingOptions
  /// Adam over the model's flat parameters.
  public let optimizer: Adam
  /// State carried between chunks, (L, B, H).
  public let carried: RecurrentState
  /// Parameters with the best validation loss so far (the model file's weights). Without a
  /// validation split it is never filled (``parametersToSave`` is the current parameters), so
  /// its pages are never touched and cost no memory.
  public let bestParameters: FloatBuffer
  /// Optimizer steps taken.
  public internal(set) var step = 0
  /// Best mean validation loss so far, nats per symbol.
  public internal(set) var bestValidationLoss: Double?
  /// Most recent validation loss, nats per symbol.
  public internal(set) var lastValidationLoss: Double?
  /// The loss of a validation off the `evalEvery` grid (at the end of an invocation: `--steps`,
  /// `--max-time`) that beat ``bestValidationLoss``. Such a validation never enters the run's
  /// own history (an uninterrupted run would not have made it, and a resume must give the same
  /// bytes): the file saves the current weights as its best, but ``bestValidationLoss`` and
  /// ``bestParameters`` stay those of the grid, and are what a resume continues from.
  public internal(set) var provisionalBestLoss: Double?
  /// Validations on the `evalEvery` grid that did not improve on the best: the plateau
  /// schedule's divisions so far (saved for exact resume).
  public internal(set) var plateauReductions = 0
  /// Validations on the grid in a row without a new best (`patience` stops the run at it).
  public internal(set) var validationsWithoutImprovement = 0
  /// Times the loss guard halved the rate; the rate in force is the schedule's × 2^−halvings.
  public internal(set) var lossGuardHalvings = 0
  /// Random state for anything stochastic during training (saved for exact resume).
  public internal(set) var generator: SeededGenerator
  /// The training text's fingerprint, recorded in the checkpoint and checked by ``restore``
  /// (set by the caller, which reads the text; nil: not recorded, not checked).
  public var textFingerprint: TextFingerprint?
  /// The fingerprint of the separate validation text, when the run validates on one (set by
  /// the caller; recorded, and checked by ``restore``).
  public var validationFingerprint: TextFingerprint?

  let trainIDs: TokenIDs
  let validationIDs: TokenIDs?
  let trainLayout: BatchLayout
  let validationLayout: BatchLayout?
  let workspace: Workspace
  let gradients: FloatBuffer
  /// Steps in a row whose update the loss guard skipped.
  var consecutiveFailures = 0
  /// The parameters after the last good step: the loss guard's roll-back point. Between steps
  /// it always equals `model.parameters` (a skipped step leaves them unchanged), so it is not
  /// part of the resume state; it costs one copy of P floats per step (P = 350k: 1.4 MB, well
  /// under 1 ms against a step of tens of milliseconds).
  let lastGoodParameters: FloatBuffer

  /// A trainer for `model` on the given splits.
  /// - Throws: ``TrainingError`` when a split is too short for one chunk.
  public init(model: LanguageModel, train: TokenIDs, validation: TokenIDs?, options: TrainingOptions)
    throws(TrainingError)
  {
    let (B, T) = (options.batchSize, options.seqLength)
    trainLayout = BatchLayout(symbols: train.count, batch: B, steps: T)
    guard trainLayout.fullChunks >= 1 else { throw .corpusTooShort(symbols: train.count, batch: B, steps: T) }
    if let validation {
      let layout = BatchLayout(symbols: validation.count, batch: B, steps: T)
      guard layout.streamLength >= 1 else { throw .validationTooShort(symbols: validation.count, batch: B) }
      validationLayout = layout
    } else {
      validationLayout = nil
    }
    self.model = model
    self.options = options
    // Lengths stated in epochs become steps here, where K is known.
    if let epochs = options.epochs {
      self.options.steps = max(1, Int((epochs * Double(trainLayout.fullChunks)).rounded(.up)))
    }
    if options.lrSchedule == .step && options.lrDecayEvery == nil { self.options.lrDecayEvery = trainLayout.fullChunks }
    trainIDs = train
    validationIDs = validation
    optimizer = Adam(count: model.layout.totalCount, learningRate: options.learningRate)
    carried = RecurrentState(config: model.config, batch: B)
    bestParameters = validation == nil ? model.makeParameterShapedBuffer() : model.parameters.clone()
    lastGoodParameters = model.parameters.clone()
    generator = SeededGenerator(seed: options.seed &+ 0x5EED)
    workspace = Workspace(config: model.config, steps: T, batch: B)
    gradients = model.makeParameterShapedBuffer()
  }

  /// Chunks per epoch (K).
  public var chunksPerEpoch: Int { trainLayout.fullChunks }
  /// Symbols predicted per step (T·B).
  public var symbolsPerStep: Int { options.seqLength * options.batchSize }

  /// What one optimizer step measured.
  public struct StepReport: Sendable {
    /// The step just taken (1-based).
    public var step: Int
    /// Mean loss of the chunk, nats per symbol.
    public var loss: Float
    /// Global gradient norm before clipping.
    public var gradientNorm: Float
    /// True when the loss guard skipped the update (non-finite loss or gradient).
    public var skipped: Bool
    /// The learning rate the step ran with (the schedule's, after the loss guard's halvings).
    public var learningRate: Float = 0
  }

  /// Takes one optimizer step on the next chunk.
  ///
  /// Loss guard: a step fails when the loss or the gradient norm is not finite, or when the
  /// update itself leaves a non-finite parameter. A failed step changes nothing the next step
  /// reads except what helps it recover: the parameters are those of the last good step
  /// (restored from `lastGoodParameters` if they were damaged — by this update, or by anything
  /// between steps), the carried state is reset and the learning rate is halved. Adam's moments
  /// and step count are untouched when the loss or the norm failed (no update ran); when the
  /// update itself produced the non-finite values, they keep that step's finite, clipped gradient. The step still counts, so the chunk is passed over; after 5
  /// failures in a row ``run(shouldStop:checkpoint:onEvent:)`` saves and stops.
  ///
  /// Roll-back rather than prevention: a non-finite update cannot come from a finite, clipped
  /// gradient under Adam (each parameter moves by at most about lr), so damaged parameters mean
  /// a bug or outside interference; one copy per step makes every failure recoverable without
  /// reasoning about which case it is.
  public func trainStep() -> StepReport {
    let chunk = step % chunksPerEpoch
    if chunk == 0 { carried.reset() }
    trainLayout.fill(
      chunk: chunk, stepCount: options.seqLength, from: trainIDs,
      inputs: workspace.inputs, targets: workspace.targets)
    // Dropout masks come from the run's generator (restored on resume), drawn only when some
    // layer has a dropped input, so runs without dropout never touch it.
    let dropping = options.dropout > 0 && model.config.layers > 1
    if dropping { workspace.drawDropoutMasks(probability: options.dropout, generator: &generator) }
    let loss = model.forwardBackward(
      steps: options.seqLength, state: carried, workspace: workspace, gradients: gradients, dropout: dropping)
    let norm = GradientClipping.clip(gradients, maxNorm: options.clip)
    let rate = scheduledLearningRate
    optimizer.learningRate = rate
    step += 1
    func fail() -> StepReport {
      if !Self.allFinite(model.parameters) { model.parameters.copy(from: lastGoodParameters) }
      carried.reset()
      optimizer.learningRate /= 2
      lossGuardHalvings += 1
      consecutiveFailures += 1
      return StepReport(step: step, loss: loss, gradientNorm: norm, skipped: true, learningRate: rate)
    }
    guard loss.isFinite, norm.isFinite else { return fail() }
    optimizer.update(parameters: model.parameters, gradients: gradients)
    // The moments keep this step's (finite, clipped) gradient; only the parameters roll back.
    guard Self.allFinite(model.parameters) else { return fail() }
    lastGoodParameters.copy(from: model.parameters)
    consecutiveFailures = 0
    return StepReport(step: step, loss: loss, gradientNorm: norm, skipped: false, learningRate: rate)
  }

  /// True when no value of `buffer` is NaN or infinite.
  static func allFinite(_ buffer: FloatBuffer) -> Bool {
    VectorOps.allFinite(buffer.pointer, count: buffer.count)
  }

  /// Mean loss over the whole validation split (nats per symbol), state carried from zero
  /// through all of it; records it and keeps the parameters if it is the best so far.
  /// - Returns: the loss and whether it improved on the best, or nil without a validation split.
  @discardableResult
  public func validate() -> (loss: Double, improved: Bool)? {
    guard let layout = validationLayout, let ids = validationIDs else { return nil }
    let loss = Evaluation.meanLoss(model: model, ids: ids, layout: layout, workspace: workspace)
    lastValidationLoss = loss
    // A NaN or infinite loss is never the best (NaN would also stop every later comparison).
    let improved = loss.isFinite && (bestValidationLoss.map { loss < $0 } ?? true)
    let onGrid = options.evalEvery > 0 && step % options.evalEvery == 0
    provisionalBestLoss = !onGrid && improved ? loss : nil
    if onGrid && improved {
      bestValidationLoss = loss
      bestParameters.copy(from: model.parameters)
      validationsWithoutImprovement = 0
    } else if onGrid {
      validationsWithoutImprovement += 1
      if options.lrSchedule == .plateau { plateauReductions += 1 }
    }
    return (loss, improved)
  }

  /// The best validation loss this run has seen, a provisional one included (see
  /// ``provisionalBestLoss``): the loss of the weights a model file saved now holds.
  public var bestValidationLossSoFar: Double? { provisionalBestLoss ?? bestValidationLoss }

  /// The parameters a model file should hold: the best by validation (a provisional best
  /// included), or the current ones when the run has no validation split.
  /// (Before the first validation, e.g. after an early Ctrl-C, the current ones too: the
  /// initial weights are never worth keeping.)
  public var parametersToSave: FloatBuffer {
    validationLayout == nil || bestValidationLoss == nil || provisionalBestLoss != nil
      ? model.parameters : bestParameters
  }

  /// The rate of the next step: the schedule's (``TrainingOptions/scheduledLearningRate(atStep:plateauReductions:)``)
  /// halved once for each step the loss guard skipped.
  public var scheduledLearningRate: Float {
    let rate = options.scheduledLearningRate(atStep: step, plateauReductions: plateauReductions)
    return rate * Float(sign: .plus, exponent: -lossGuardHalvings, significand: 1)
  }

  /// True when the last validation on the grid made `patience` validations in a row without a
  /// new best.
  public var patienceExhausted: Bool {
    options.patience > 0 && validationsWithoutImprovement >= options.patience
  }

  /// Sets the base learning rate, e.g. a `--learning-rate` given on resume (which otherwise
  /// restores the saved one, and the loss guard's halvings, which this clears). Other options
  /// take effect through the `TrainingOptions` the trainer is created with.
  public func setLearningRate(_ learningRate: Float) {
    options.learningRate = learningRate
    lossGuardHalvings = 0
    optimizer.learningRate = scheduledLearningRate
  }
}

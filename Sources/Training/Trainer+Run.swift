/// Something that happened during ``Trainer/run(shouldStop:checkpoint:onEvent:)``.
public enum TrainingEvent: Sendable {
  /// One optimizer step; `symbolsPerSecond` is this step's throughput.
  case step(Trainer.StepReport, symbolsPerSecond: Double, elapsedSeconds: Double)
  /// A validation pass over the whole validation split.
  case validation(step: Int, loss: Double, improved: Bool)
}

/// Why a run ended.
public enum StopReason: String, Sendable {
  /// `--steps` reached.
  case completed
  /// `--max-time` reached.
  case timeLimit = "time_limit"
  /// The caller asked to stop (e.g. Ctrl-C).
  case interrupted
  /// `patience` validations in a row without a new best (early stopping).
  case noImprovement = "no_improvement"
}

/// The outcome of a run.
public struct TrainingSummary: Sendable {
  /// Total optimizer steps the model has taken (including earlier runs it resumed).
  public var steps: Int
  /// Mean loss of the last training step, nats per symbol (nil when no step ran).
  public var trainLoss: Float?
  /// Latest validation loss over the whole split, nats per symbol.
  public var validationLoss: Double?
  /// Best validation loss, nats per symbol.
  public var bestValidationLoss: Double?
  /// Training throughput: symbols predicted per second of training steps (evaluation excluded).
  public var symbolsPerSecond: Double
  /// Wall-clock seconds of this invocation.
  public var elapsedSeconds: Double
  /// Why the run ended.
  public var stopReason: StopReason
}

extension Trainer {
  /// Trains until `options.steps`, the time limit, `shouldStop()`, or `options.patience`
  /// validations in a row without a new best.
  ///
  /// Validates every `evalEvery` steps and at the end, and calls `checkpoint` after each
  /// validation and once at the end, so the caller can write the model file; `afterStep` runs
  /// after every step but the last (and after that step's validation and checkpoint), e.g. to
  /// write a snapshot.
  /// - Throws: ``TrainingError/diverged(step:)`` after 5 non-finite steps in a row (the
  ///   parameters are those of the last good step; `checkpoint` has been called), or what
  ///   `checkpoint` throws.
  public func run(
    shouldStop: () -> Bool = { false },
    checkpoint: () throws -> Void,
    afterStep: () throws -> Void = {},
    onEvent: (TrainingEvent) -> Void
  ) throws -> TrainingSummary {
    let clock = ContinuousClock()
    let start = clock.now
    func seconds(_ d: Duration) -> Double {
      Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
    var trainSeconds = 0.0
    var trainedSteps = 0
    var lastLoss: Float?
    var reason = StopReason.completed
    var validatedAt = -1

    func validateAndSave() throws {
      if let result = validate() {
        onEvent(.validation(step: step, loss: result.loss, improved: result.improved))
      }
      validatedAt = step
      try checkpoint()
    }

    while step < options.steps {
      if shouldStop() {
        reason = .interrupted
        break
      }
      if let limit = options.maxTime, seconds(clock.now - start) >= limit {
        reason = .timeLimit
        break
      }
      let t0 = clock.now
      let report = trainStep()
      let dt = seconds(clock.now - t0)
      trainSeconds += dt
      trainedSteps += 1
      lastLoss = report.loss
      onEvent(.step(report, symbolsPerSecond: Double(symbolsPerStep) / dt, elapsedSeconds: seconds(clock.now - start)))
      if consecutiveFailures >= 5 {
        try checkpoint()
        throw TrainingError.diverged(step: step)
      }
      if options.evalEvery > 0 && step % options.evalEvery == 0 && step < options.steps {
        try validateAndSave()
        if patienceExhausted {
          reason = .noImprovement
          break
        }
      }
      if step < options.steps { try afterStep() }
    }
    // Validate at the end unless interrupted (Ctrl-C should be quick) or just done.
    if validatedAt != step && reason != .interrupted {
      try validateAndSave()
    } else if validatedAt != step {
      try checkpoint()
    }
    return TrainingSummary(
      steps: step, trainLoss: lastLoss, validationLoss: lastValidationLoss,
      bestValidationLoss: bestValidationLossSoFar,
      symbolsPerSecond: trainSeconds > 0 ? Double(trainedSteps * symbolsPerStep) / trainSeconds : 0,
      elapsedSeconds: seconds(clock.now - start), stopReason: reason)
  }
}

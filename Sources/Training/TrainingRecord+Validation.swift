import Foundation

extension TrainingRecord {
  /// The record with every field range-checked, as read from a file that may have been edited:
  /// a batch size of 0, a negative step or a negative learning rate would crash or train uphill.
  /// - Throws: ``TrainingError/invalidRecord(field:value:allowed:)`` naming the first bad field.
  func checked() throws(TrainingError) -> TrainingRecord {
    func require(_ ok: Bool, _ field: String, _ value: Any, _ allowed: String) throws(TrainingError) {
      if !ok { throw .invalidRecord(field: field, value: "\(value)", allowed: allowed) }
    }
    let o = options
    try require(step >= 0, "step", step, "0 or more")
    try require(adamStep >= 0, "adam_step", adamStep, "0 or more")
    try require(consecutiveFailures >= 0, "consecutive_failures", consecutiveFailures, "0 or more")
    try require(
      currentLearningRate > 0 && currentLearningRate.isFinite, "current_learning_rate", currentLearningRate,
      "a positive finite number")
    try require((1...100_000).contains(o.seqLength), "options.seq_length", o.seqLength, "1…100000")
    try require((1...100_000).contains(o.batchSize), "options.batch_size", o.batchSize, "1…100000")
    try require(
      o.learningRate > 0 && o.learningRate.isFinite, "options.learning_rate", o.learningRate, "a positive finite number"
    )
    try require(o.clip > 0 && o.clip.isFinite, "options.clip", o.clip, "a positive finite number")
    try require(o.steps >= 1, "options.steps", o.steps, "1 or more")
    try require(o.valFraction >= 0 && o.valFraction < 1, "options.val_fraction", o.valFraction, "[0, 1)")
    try require(o.evalEvery >= 0, "options.eval_every", o.evalEvery, "0 or more")
    try require(o.dropout >= 0 && o.dropout < 1, "options.dropout", o.dropout, "[0, 1)")
    try require(o.warmupSteps >= 0, "options.warmup_steps", o.warmupSteps, "0 or more")
    if let m = o.minLearningRate {
      try require(m > 0 && m.isFinite, "options.min_learning_rate", m, "a positive finite number")
    }
    try require(o.lrDecay > 0 && o.lrDecay <= 1, "options.lr_decay", o.lrDecay, "(0, 1]")
    if let e = o.lrDecayEvery { try require(e >= 1, "options.lr_decay_every", e, "1 or more") }
    try require(o.patience >= 0, "options.patience", o.patience, "0 or more")
    if let e = o.epochs { try require(e > 0 && e.isFinite, "options.epochs", e, "a positive finite number") }
    for (field, value) in [
      ("plateau_reductions", plateauReductions), ("validations_without_improvement", validationsWithoutImprovement),
      ("loss_guard_halvings", lossGuardHalvings),
    ] {
      if let value { try require(value >= 0, field, value, "0 or more") }
    }
    for (name, fingerprint) in [("text", text), ("validation_text", validationText)] {
      guard let t = fingerprint else { continue }
      try require(t.bytes >= 0, "\(name).bytes", t.bytes, "0 or more")
      try require(
        t.sha256.count == 64 && t.sha256.allSatisfy(\.isHexDigit), "\(name).sha256", t.sha256,
        "64 hexadecimal digits")
    }
    return self
  }

  /// Fails when the record names a text and `given` is another one.
  public func checkText(_ given: TextFingerprint?) throws(TrainingError) {
    if let saved = text, let given, saved != given { throw .otherText(saved: saved, given: given) }
  }

  /// Fails when the run validated otherwise than `options` and `given` (the separate
  /// validation text, or nil for a split of the corpus) would: another split, another text.
  public func checkValidation(_ options: TrainingOptions, text given: TextFingerprint?) throws(TrainingError) {
    switch (validationText, given) {
    case (nil, nil):
      if self.options.valSplit != options.valSplit {
        throw .resumeMismatch(
          "the run validated on the \(self.options.valSplit.rawValue) split, not the \(options.valSplit.rawValue) one")
      }
    case (let saved?, nil):
      throw .resumeMismatch("the run validated on a separate text (\(saved)), and none is given")
    case (nil, let given?):
      throw .resumeMismatch("the run validated on a split of its corpus, not on a separate text (\(given))")
    case (let saved?, let given?):
      if saved != given {
        throw .resumeMismatch("the run validated on another text (\(saved)) than this one (\(given))")
      }
    }
  }
}

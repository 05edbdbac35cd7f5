import Foundation

/// How the learning rate changes over a run, after an optional linear warm-up.
///
/// - ``constant``: the base rate (`--learning-rate`) throughout.
/// - ``cosine``: from the base rate at the end of the warm-up down to the floor at the last
///   step, along half a cosine (nanoGPT's `get_lr`, PyTorch's `CosineAnnealingLR`).
/// - ``step``: the base rate × `decay`^⌊s / every⌋ (torch-rnn's `lr_decay_every` /
///   `lr_decay_factor`, char-rnn's `learning_rate_decay`), never below the floor.
/// - ``plateau``: the base rate ÷ 4 for each validation that did not improve on the best
///   (PyTorch's word_language_model), never below the floor.
public enum LearningRateSchedule: String, Sendable, Codable, CaseIterable {
  case constant, cosine, step, plateau

  /// word_language_model's reduction: the rate is divided by this at each validation that did
  /// not improve on the best.
  public static let plateauDivisor: Float = 4
  /// The floor's default: the base rate divided by this (nanoGPT's `min_lr = learning_rate / 10`).
  public static let defaultFloorDivisor: Float = 10
}

extension TrainingOptions {
  /// The rate the schedule never goes below (cosine's end point): `minLearningRate`, or a tenth
  /// of the base rate.
  public var learningRateFloor: Float {
    minLearningRate ?? learningRate / LearningRateSchedule.defaultFloorDivisor
  }

  /// The learning rate of the optimizer step taken at step `s` (0-based: the number of steps
  /// already taken), before the loss guard's halvings. A pure function of the options, the step
  /// and the number of plateau reductions, so a resumed run continues the same rates.
  ///
  /// Warm-up multiplies the schedule's rate by (s + 1) / W for s < W (W = `warmupSteps`): the
  /// first step takes 1/W of the rate, step W the full rate. Cosine counts its decay from W to
  /// `steps`. Without warm-up and with the constant schedule it is exactly `learningRate`.
  public func scheduledLearningRate(atStep s: Int, plateauReductions: Int = 0) -> Float {
    let base = learningRate
    let floor = min(learningRateFloor, base)
    var rate: Float
    switch lrSchedule {
    case .constant:
      rate = base
    case .cosine:
      let span = Double(max(steps - warmupSteps, 1))
      let progress = min(max(Double(s - warmupSteps) / span, 0), 1)
      rate = Float(Double(floor) + Double(base - floor) * 0.5 * (1 + cos(Double.pi * progress)))
    case .step:
      let every = max(lrDecayEvery ?? steps, 1)
      rate = max(base * Float(pow(Double(lrDecay), Double(s / every))), floor)
    case .plateau:
      rate = max(base / Float(pow(Double(LearningRateSchedule.plateauDivisor), Double(plateauReductions))), floor)
    }
    if s < warmupSteps { rate *= Float(s + 1) / Float(warmupSteps) }
    return rate
  }
}

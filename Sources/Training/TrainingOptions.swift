/// Everything that shapes a training run besides the model's size.
public struct TrainingOptions: Sendable, Equatable, Codable {
  /// T: steps per chunk (truncated BPTT length).
  public var seqLength: Int = 64
  /// B: parallel streams.
  public var batchSize: Int = 32
  /// Adam's learning rate.
  public var learningRate: Float = 2e-3
  /// Maximum global L2 norm of the gradient.
  public var clip: Float = 5
  /// Total optimizer steps of the run (a resumed run continues up to this).
  public var steps: Int = 1000
  /// Wall-clock limit in seconds for this invocation, or nil.
  public var maxTime: Double? = nil
  /// Fraction of the corpus held out for validation (where ``valSplit`` says).
  public var valFraction: Double = 0.1
  /// Which part of the corpus validates: blocks sampled from the whole text (the default, see
  /// ``ValidationSplit``) or its tail.
  public var valSplit: ValidationSplit = .sampled
  /// Validate every this many steps (and at the end).
  public var evalEvery: Int = 200
  /// Seed of every random choice (initialization and anything later).
  public var seed: UInt64 = 1
  /// Dropout probability p ∈ [0, 1) on the inputs of layers 1 … L−1 (the outputs of the layers
  /// below; never the embedding nor the top layer's output), as `torch.nn.LSTM(dropout: p)`.
  /// Training only; inverted (kept values scaled by 1/(1 − p)).
  public var dropout: Float = 0
  /// Steps of linear warm-up W (0: none); see ``scheduledLearningRate(atStep:plateauReductions:)``.
  public var warmupSteps: Int = 0
  /// How the rate changes after the warm-up.
  public var lrSchedule: LearningRateSchedule = .constant
  /// The rate cosine decays to and the step and plateau schedules stop at (nil: a tenth of
  /// `learningRate`).
  public var minLearningRate: Float? = nil
  /// The step schedule's factor, applied every `lrDecayEvery` steps.
  public var lrDecay: Float = 0.5
  /// Steps between the step schedule's decays (nil: one epoch, filled in by ``Trainer``).
  public var lrDecayEvery: Int? = nil
  /// Stop after this many validations in a row without a new best (0: never).
  public var patience: Int = 0
  /// The run's length in epochs, when given instead of `steps`: ``Trainer`` sets `steps` to
  /// ⌈epochs × K⌉ (K chunks per epoch).
  public var epochs: Double? = nil

  /// Default options.
  public init() {}

  enum CodingKeys: String, CodingKey {
    case seqLength = "seq_length"
    case batchSize = "batch_size"
    case learningRate = "learning_rate"
    case clip, steps
    case maxTime = "max_time"
    case valFraction = "val_fraction"
    case valSplit = "val_split"
    case evalEvery = "eval_every"
    case seed
    case dropout
    case warmupSteps = "warmup_steps"
    case lrSchedule = "lr_schedule"
    case minLearningRate = "min_learning_rate"
    case lrDecay = "lr_decay"
    case lrDecayEvery = "lr_decay_every"
    case patience
    case epochs
  }

  /// Decodes a record; `dropout`, `val_split` and the schedule's keys may be absent (files
  /// written before they existed: the defaults, today's behaviour, and the tail split those files used).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    seqLength = try c.decode(Int.self, forKey: .seqLength)
    batchSize = try c.decode(Int.self, forKey: .batchSize)
    learningRate = try c.decode(Float.self, forKey: .learningRate)
    clip = try c.decode(Float.self, forKey: .clip)
    steps = try c.decode(Int.self, forKey: .steps)
    maxTime = try c.decodeIfPresent(Double.self, forKey: .maxTime)
    valFraction = try c.decode(Double.self, forKey: .valFraction)
    valSplit = try c.decodeIfPresent(ValidationSplit.self, forKey: .valSplit) ?? .tail
    evalEvery = try c.decode(Int.self, forKey: .evalEvery)
    seed = try c.decode(UInt64.self, forKey: .seed)
    dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
    warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? 0
    lrSchedule = try c.decodeIfPresent(LearningRateSchedule.self, forKey: .lrSchedule) ?? .constant
    minLearningRate = try c.decodeIfPresent(Float.self, forKey: .minLearningRate)
    lrDecay = try c.decodeIfPresent(Float.self, forKey: .lrDecay) ?? 0.5
    lrDecayEvery = try c.decodeIfPresent(Int.self, forKey: .lrDecayEvery)
    patience = try c.decodeIfPresent(Int.self, forKey: .patience) ?? 0
    epochs = try c.decodeIfPresent(Double.self, forKey: .epochs)
  }

  /// Encodes a record; the schedule's keys only when they differ from the defaults, so a run
  /// that uses none of them writes the same record as before they existed.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(seqLength, forKey: .seqLength)
    try c.encode(batchSize, forKey: .batchSize)
    try c.encode(learningRate, forKey: .learningRate)
    try c.encode(clip, forKey: .clip)
    try c.encode(steps, forKey: .steps)
    try c.encodeIfPresent(maxTime, forKey: .maxTime)
    try c.encode(valFraction, forKey: .valFraction)
    // Always written: a record without it reads as the tail split of the files before it.
    try c.encode(valSplit, forKey: .valSplit)
    try c.encode(evalEvery, forKey: .evalEvery)
    try c.encode(seed, forKey: .seed)
    try c.encode(dropout, forKey: .dropout)
    if warmupSteps != 0 { try c.encode(warmupSteps, forKey: .warmupSteps) }
    if lrSchedule != .constant { try c.encode(lrSchedule, forKey: .lrSchedule) }
    try c.encodeIfPresent(minLearningRate, forKey: .minLearningRate)
    if lrDecay != 0.5 { try c.encode(lrDecay, forKey: .lrDecay) }
    try c.encodeIfPresent(lrDecayEvery, forKey: .lrDecayEvery)
    if patience != 0 { try c.encode(patience, forKey: .patience) }
    try c.encodeIfPresent(epochs, forKey: .epochs)
  }
}

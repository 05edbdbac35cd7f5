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
  /// Fraction of the corpus (its tail) held out for validation.
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
  }

  /// Decodes a record; `dropout` and `val_split` may be absent (files written before they
  /// existed: 0, and the tail split those files used).
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
  }
}

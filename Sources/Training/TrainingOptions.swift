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
  /// Validate every this many steps (and at the end).
  public var evalEvery: Int = 200
  /// Seed of every random choice (initialization and anything later).
  public var seed: UInt64 = 1

  /// Default options.
  public init() {}

  enum CodingKeys: String, CodingKey {
    case seqLength = "seq_length", batchSize = "batch_size", learningRate = "learning_rate"
    case clip, steps, maxTime = "max_time", valFraction = "val_fraction", evalEvery = "eval_every", seed
  }
}

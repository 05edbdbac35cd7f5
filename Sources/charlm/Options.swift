import ArgumentParser
import CharLM
import Modeling
import Tokenization
import Training

// Options that take numbers (and --prime) parse `.unconditional`: the next argument is the
// value even when it starts with "-", so `--temperature -1` is rejected by validate() with its
// range instead of as "Missing value for '--temperature'".

/// The model's shape. Unset values take the defaults in the help text; with --resume or
/// --init-from, given values must equal the model's (``checkMatches(_:of:)``).
struct ArchitectureOptions: ParsableArguments {
  @Option(help: "Recurrent cell: lstm, gru or rnn (tanh); PyTorch's nn.LSTM / nn.GRU / nn.RNN layout (default: lstm).")
  var cell: CellKind?
  @Option(parsing: .unconditional, help: "Embedding width E (default: 64).")
  var embeddingSize: Int?
  @Option(parsing: .unconditional, help: "Hidden units per recurrent layer H (default: 256).")
  var hiddenSize: Int?
  @Option(parsing: .unconditional, help: "Stacked recurrent layers L (default: 1).")
  var layers: Int?

  /// The shape these flags describe; unset values take ``ModelShape``'s defaults (those above).
  var shape: ModelShape {
    let d = ModelShape()
    return ModelShape(
      cell: cell ?? d.cell, embeddingSize: embeddingSize ?? d.embeddingSize, hiddenSize: hiddenSize ?? d.hiddenSize,
      layers: layers ?? d.layers)
  }

  func validate() throws {
    try check("--embedding-size", embeddingSize, 1...65_536)
    try check("--hidden-size", hiddenSize, 1...65_536)
    try check("--layers", layers, 1...64)
  }
}

/// How the text is cut into training chunks and a validation split. Unset values take the
/// saved run's values with --resume, else the defaults in the help text; a resumed run keeps its
/// layout unless a flag changes it.
struct BatchOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Steps per chunk T, the truncated back-propagation length (default: 64).")
  var seqLength: Int?
  @Option(parsing: .unconditional, help: "Parallel streams B (default: 32).")
  var batchSize: Int?
  @Option(
    parsing: .unconditional,
    help: "Fraction of the text held out for validation, where --val-split says; 0 for none (default: 0.1).")
  var valFraction: Double?

  func validate() throws {
    try check("--seq-length", seqLength, 1...100_000)
    try check("--batch-size", batchSize, 1...100_000)
    if let valFraction, !(valFraction >= 0 && valFraction < 1) {
      throw ValidationError("--val-fraction must be in [0, 1) (got \(valFraction))")
    }
  }

  /// Writes the given flags over `options`; a new run takes the defaults for the others.
  func apply(to options: inout TrainingOptions, resuming: Bool) {
    let defaults = TrainingOptions()
    options.seqLength = seqLength ?? (resuming ? options.seqLength : defaults.seqLength)
    options.batchSize = batchSize ?? (resuming ? options.batchSize : defaults.batchSize)
    options.valFraction = valFraction ?? (resuming ? options.valFraction : defaults.valFraction)
  }
}

/// The optimizer's settings. Unset values take the saved run's values with --resume, else the
/// defaults in the help text.
struct OptimizerOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Adam learning rate (default: 0.002).")
  var learningRate: Float?
  @Option(parsing: .unconditional, help: "Maximum global gradient norm (default: 5).")
  var clip: Float?
  @Option(
    parsing: .unconditional,
    help:
      "Dropout probability in [0, 1) on the outputs of every layer but the top one, in training only (default: 0; with --resume, the saved value)."
  )
  var dropout: Float?

  func validate() throws {
    if let learningRate, !(learningRate > 0 && learningRate <= 10) {
      throw ValidationError("--learning-rate must be in (0, 10] (got \(learningRate))")
    }
    if let clip, !(clip > 0 && clip.isFinite) { throw ValidationError("--clip must be in (0, ∞) (got \(clip))") }
    if let dropout, !(dropout >= 0 && dropout < 1) {
      throw ValidationError("--dropout must be in [0, 1) (got \(dropout))")
    }
  }

  /// Writes the given flags over `options` (whose values are the defaults or the saved run's).
  func apply(to options: inout TrainingOptions) {
    if let learningRate { options.learningRate = learningRate }
    if let clip { options.clip = clip }
    if let dropout { options.dropout = dropout }
  }
}

/// How long the run goes and when it validates. Unset values take the saved run's values with
/// --resume, else the defaults in the help text.
struct RunLengthOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Total optimizer steps of the run (default: 1000).")
  var steps: Int?
  @Option(parsing: .unconditional, help: "Stop after this many seconds of this invocation, saving the model.")
  var maxTime: Double?
  @Option(parsing: .unconditional, help: "Validate and save every N steps; 0: only at the end (default: 200).")
  var evalEvery: Int?
  @Option(
    name: [.short, .long], parsing: .unconditional,
    help: "Random seed; the same seed reproduces a run exactly (default: 1).",
    transform: parseSeed)
  var seed: UInt64?

  func validate() throws {
    try check("--steps", steps, 1...1_000_000_000)
    try check("--eval-every", evalEvery, 0...1_000_000_000)
    if let maxTime, !(maxTime > 0 && maxTime.isFinite) {
      throw ValidationError("--max-time must be in (0, ∞) seconds (got \(maxTime))")
    }
  }

  /// Writes the given flags over `options`; a new run takes the defaults for the others, a
  /// resumed one keeps its seed (its random streams continue from the file).
  func apply(to options: inout TrainingOptions, resuming: Bool) {
    if let steps { options.steps = steps }
    if !resuming {
      options.seed = seed ?? TrainingOptions().seed
      options.evalEvery = evalEvery ?? TrainingOptions().evalEvery
    } else if let evalEvery {
      options.evalEvery = evalEvery
    }
    options.maxTime = maxTime
  }
}

/// How text becomes symbols (new runs only; a model keeps its own).
struct VocabularyOptions: ParsableArguments {
  @Option(help: "Symbol unit: grapheme (user-perceived characters) or scalar (code points).")
  var unit: SymbolUnit = .grapheme
  @Option(parsing: .unconditional, help: "Symbols seen fewer times map to one unknown symbol (1 keeps all).")
  var minCount: Int = 1
  @Option(parsing: .unconditional, help: "Keep at most this many symbols, the unknown symbol included.")
  var maxVocab: Int?

  func validate() throws {
    try check("--min-count", minCount, 1...Int.max)
    try check("--max-vocab", maxVocab, 2...16_777_216)
  }
}

extension SymbolUnit: ExpressibleByArgument {}
extension CellKind: ExpressibleByArgument {}

/// A `--seed` value: any integer from 0 to 2^64 − 1, with that range in the message otherwise
/// (ArgumentParser's own message for a bad UInt64 names no range).
func parseSeed(_ text: String) throws -> UInt64 {
  guard let value = UInt64(text) else {
    throw ValidationError("it must be an integer from 0 to \(UInt64.max)")
  }
  return value
}

/// Rejects a value outside `range` with the allowed range in the message.
func check(_ flag: String, _ value: Int?, _ range: ClosedRange<Int>) throws {
  guard let value, !range.contains(value) else { return }
  let upper = range.upperBound == Int.max ? "" : " and \(range.upperBound)"
  throw ValidationError(
    range.upperBound == Int.max
      ? "\(flag) must be at least \(range.lowerBound) (got \(value))"
      : "\(flag) must be between \(range.lowerBound)\(upper) (got \(value))")
}

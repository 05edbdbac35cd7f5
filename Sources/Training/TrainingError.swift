/// Why a training run cannot start or go on; each message says what to do next.
public enum TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The training split has too few symbols for one chunk of B streams × T steps.
  case corpusTooShort(symbols: Int, batch: Int, steps: Int)
  /// The validation split cannot fill one position of every stream.
  case validationTooShort(symbols: Int, batch: Int)
  /// A resume state does not fit this model or these options.
  case resumeMismatch(String)
  /// The loss or gradient stayed non-finite.
  case diverged(step: Int)

  public var description: String {
    switch self {
    case let .corpusTooShort(n, b, t):
      let maxB = max((n - 1) / t, 0)
      let maxT = max((n - 1) / b, 0)
      return "the training text has \(n) symbols, fewer than one chunk of \(b) streams × \(t) steps needs (\(b * t + 1)); "
        + "use --batch-size \(max(maxB, 1)) or less, or --seq-length \(max(maxT, 1)) or less, or a longer corpus"
    case let .validationTooShort(n, b):
      return "the validation split has \(n) symbols, too few for \(b) streams (needs \(b + 1)); "
        + "raise --val-fraction, lower --batch-size, or use --val-fraction 0 to skip validation"
    case let .resumeMismatch(why):
      return "cannot resume: \(why); start a new run without --resume or use the same settings"
    case let .diverged(step):
      return "training diverged at step \(step): the loss is not finite; lower --learning-rate or --clip and retry"
    }
  }
}

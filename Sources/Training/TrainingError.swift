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
    case .corpusTooShort(let n, let b, let t):
      // Each suggestion keeps the other flag as it is, so following either one works.
      let (maxB, maxT) = ((n - 1) / t, (n - 1) / b)
      var options: [String] = []
      if maxB >= 1 { options.append("--batch-size \(maxB) or less (with --seq-length \(t))") }
      if maxT >= 1 { options.append("--seq-length \(maxT) or less (with --batch-size \(b))") }
      if options.isEmpty && n >= 2 { options.append("--batch-size 1 --seq-length \(n - 1)") }
      options.append("a longer corpus")
      return
        "the training text has \(n) symbols, fewer than one chunk of \(b) streams × \(t) steps needs (\(b * t + 1)); "
        + "use " + options.joined(separator: ", or ")
    case .validationTooShort(let n, let b):
      return "the validation split has \(n) symbols, too few for \(b) streams (needs \(b + 1)); "
        + "raise --val-fraction, lower --batch-size, or use --val-fraction 0 to skip validation"
    case .resumeMismatch(let why):
      return "cannot resume: \(why); start a new run without --resume or use the same settings"
    case .diverged(let step):
      return "training diverged at step \(step): the loss is not finite; lower --learning-rate or --clip and retry"
    }
  }
}

/// Why a training run cannot start or go on; each message says what to do next.
public enum TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The training split has too few symbols for one chunk of B streams × T steps.
  case corpusTooShort(symbols: Int, batch: Int, steps: Int)
  /// The validation split cannot fill one position of every stream.
  case validationTooShort(symbols: Int, batch: Int)
  /// A resume state does not fit this model or these options.
  case resumeMismatch(String)
  /// A model file's training record (`charlm.train`) has a field out of range.
  case invalidRecord(field: String, value: String, allowed: String)
  /// A resume on a text other than the one the model was trained on.
  case otherText(saved: TextFingerprint, given: TextFingerprint)
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
    case .invalidRecord(let field, let value, let allowed):
      return "the model file's training record (charlm.train) has \(field) \(value), but it must be \(allowed); "
        + "the file was edited or damaged — resume from another copy, or start anew with --init-from"
    case .otherText(let saved, let given):
      return "cannot resume: the model was trained on another text (\(saved)) than this corpus (\(given)); "
        + "give the same corpus, or continue on this text with --init-from <model> (a new run from its weights)"
    case .diverged(let step):
      return "training diverged at step \(step): the loss is not finite; lower --learning-rate or --clip and retry"
    }
  }
}

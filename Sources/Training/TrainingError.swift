/// Why a training run cannot start or go on, as facts about the data, the model file and the
/// run. The library words them in its own terms (streams B, steps T); an application turns them
/// into its own advice (the executable names its flags).
public enum TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The training split has too few symbols for one chunk of B streams × T steps.
  case corpusTooShort(symbols: Int, batch: Int, steps: Int)
  /// The validation split cannot fill one position of every stream.
  case validationTooShort(symbols: Int, batch: Int)
  /// The saved run was laid out with other streams, steps or validation fraction than the
  /// options given for the resume (a resume must keep all three).
  case layoutMismatch(savedBatch: Int, savedSteps: Int, savedValidationFraction: Double)
  /// A resume state does not fit this model (the reason, in words).
  case resumeMismatch(String)
  /// A model file's training record (`charlm.train`) has a field out of range.
  case invalidRecord(field: String, value: String, allowed: String)
  /// A resume on a text other than the one the model was trained on.
  case otherText(saved: TextFingerprint, given: TextFingerprint)
  /// The loss or gradient stayed non-finite.
  case diverged(step: Int)

  /// For ``corpusTooShort(symbols:batch:steps:)``: the most streams one chunk of the same T
  /// steps fits, and the most steps one chunk of the same B streams fits (nil when none does).
  public var fittingChunk: (batch: Int?, steps: Int?)? {
    guard case .corpusTooShort(let n, let b, let t) = self else { return nil }
    let (maxB, maxT) = ((n - 1) / t, (n - 1) / b)
    return (maxB >= 1 ? maxB : nil, maxT >= 1 ? maxT : nil)
  }

  public var description: String {
    switch self {
    case .corpusTooShort(let n, let b, let t):
      var line =
        "the training text has \(n) symbols, fewer than one chunk of \(b) streams × \(t) steps needs (\(b * t + 1))"
      if let fit = fittingChunk {
        if let maxB = fit.batch { line += "; B ≤ \(maxB) fits with T = \(t)" }
        if let maxT = fit.steps { line += "; T ≤ \(maxT) fits with B = \(b)" }
      }
      return line
    case .validationTooShort(let n, let b):
      return "the validation split has \(n) symbols, too few for \(b) streams (needs \(b + 1))"
    case .layoutMismatch(let b, let t, let f):
      return "cannot resume: the run was saved with \(b) streams, \(t) steps per chunk and validation fraction \(f), "
        + "which a resume must keep"
    case .resumeMismatch(let why):
      return "cannot resume: \(why)"
    case .invalidRecord(let field, let value, let allowed):
      return "the model file's training record (charlm.train) has \(field) \(value), but it must be \(allowed)"
    case .otherText(let saved, let given):
      return "cannot resume: the model was trained on another text (\(saved)) than this one (\(given))"
    case .diverged(let step):
      return "training diverged at step \(step): the loss is not finite"
    }
  }
}

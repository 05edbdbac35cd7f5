import Training

extension TrainingError {
  /// The error in the executable's words: what happened, then the flags that fix it.
  var advice: String {
    switch self {
    case .corpusTooShort(let n, let b, let t):
      // Each suggestion keeps the other flag as it is, so following either one works.
      var options: [String] = []
      if let maxB = fittingChunk?.batch { options.append("--batch-size \(maxB) or less (with --seq-length \(t))") }
      if let maxT = fittingChunk?.steps { options.append("--seq-length \(maxT) or less (with --batch-size \(b))") }
      if options.isEmpty && n >= 2 { options.append("--batch-size 1 --seq-length \(n - 1)") }
      options.append("a longer corpus")
      return
        "the training text has \(n) symbols, fewer than one chunk of \(b) streams × \(t) steps needs (\(b * t + 1)); "
        + "use " + options.joined(separator: ", or ")
    case .validationTooShort:
      return "\(self); raise --val-fraction, lower --batch-size, or use --val-fraction 0 to skip validation"
    case .layoutMismatch(let b, let t, let f):
      return "cannot resume: the file was trained with --batch-size \(b) --seq-length \(t) --val-fraction \(f); "
        + "start a new run without --resume or use the same settings"
    case .resumeMismatch:
      return "\(self); start a new run without --resume or use the same settings"
    case .invalidRecord:
      return "\(self); the file was edited or damaged — resume from another copy, or start anew with --init-from"
    case .otherText:
      return "\(self); give the same corpus, or continue on this text with --init-from <model> (a new run from its weights)"
    case .diverged:
      return "\(self); lower --learning-rate or --clip and retry"
    }
  }
}

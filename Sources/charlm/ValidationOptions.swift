import ArgumentParser
import Training

/// What validates a training run: a separate file, or which split of the corpus. Unset values
/// take the saved run's with --resume (where --val-file must be given again when the run used
/// one), else the defaults in the help text.
struct ValidationOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Validate on this UTF-8 file (- for standard input) instead of a split of the corpus, which then trains whole; "
        + "symbols the corpus lacks validate as the unknown symbol, or are left out when the vocabulary has none. "
        + "A --resume needs the same file again.",
      valueName: "file"),
    completion: .file())
  var valFile: String?

  @Option(
    help: ArgumentHelp(
      "Which part of the corpus validates: sampled (default) holds out --val-fraction of the text's blocks of "
        + "seq-length × batch-size symbols, drawn with --seed from all of it; tail holds out its end (char-rnn's "
        + "split). Sampled is the default because a corpus joined from several sources (both default corpora) "
        + "ends with a different kind of text than it starts with.",
      valueName: "sampled|tail"))
  var valSplit: ValidationSplit?

  /// Rejects flags that contradict --val-file (`valFraction`: the --val-fraction given, if any).
  func validate(valFraction: Double?) throws {
    guard valFile != nil else { return }
    if valFraction != nil { throw ValidationError("--val-file validates on its own text; drop --val-fraction") }
    if valSplit != nil { throw ValidationError("--val-file validates on its own text; drop --val-split") }
  }

  /// Writes the given flags over `options` (after ``BatchOptions/apply(to:resuming:)``).
  func apply(to options: inout TrainingOptions, resuming: Bool) {
    if !resuming { options.valSplit = valSplit ?? .sampled } else if let valSplit { options.valSplit = valSplit }
    if valFile != nil { options.valFraction = 0 }
  }
}

extension ValidationSplit: ExpressibleByArgument {}

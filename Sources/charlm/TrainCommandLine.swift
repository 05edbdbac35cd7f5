import CharLM
import Foundation
import Modeling
import Tokenization
import Training

/// The `charlm train` command line stored in a model's ``RunProvenance`` and shown by
/// `charlm info`: every flag that shapes the run, with its value in force (defaults written
/// out; the schedule's only when not at their defaults), so running it again trains the same
/// model. Not included: --threads, --max-time, --quiet, --val-sample and the other flags that
/// change no weight; --resume (the line is one uninterrupted run); --epochs (its --steps is written).
enum TrainCommandLine {
  /// Flags that fix the vocabulary (or the starting weights), taken from a saved command on resume.
  static let originFlags: Set<String> = ["--unit", "--min-count", "--max-vocab", "--init-from"]

  /// The arguments after `charlm`: `train INPUTS… --model MODEL` and the flags. `origin` are the
  /// vocabulary or `--init-from` flags (``originFlags``) as flag-value pairs; `valFile` is the
  /// --val-file given, if any.
  static func arguments(
    inputs: [String], model: String, config: ModelConfig, options: TrainingOptions, valFile: String?,
    origin: [String], snapshots: SnapshotPolicy?
  ) -> [String] {
    var args = ["train"] + inputs + ["--model", model]
    args += [
      "--cell", config.cell.rawValue, "--embedding-size", "\(config.embeddingSize)",
      "--hidden-size", "\(config.hiddenSize)", "--layers", "\(config.layers)",
    ]
    args += origin
    return args + optionFlags(options, valFile: valFile, snapshots: snapshots)
  }

  /// The training options as flags (after the model's shape and origin flags): every one with its
  /// value in force, the schedule's only where they differ from the defaults. `charlm info` shows
  /// them alone for a file that carries no command (one PyTorch trained, or older than it).
  static func optionFlags(_ options: TrainingOptions, valFile: String?, snapshots: SnapshotPolicy?) -> [String] {
    var args = [
      "--seq-length", "\(options.seqLength)", "--batch-size", "\(options.batchSize)",
      "--learning-rate", shortest(options.learningRate).shortText, "--clip", shortest(options.clip).shortText,
      "--steps", "\(options.steps)",
    ]
    args +=
      valFile.map { ["--val-file", $0] }
      ?? ["--val-fraction", options.valFraction.shortText, "--val-split", options.valSplit.rawValue]
    args += [
      "--eval-every", "\(options.evalEvery)", "--seed", "\(options.seed)",
      "--dropout", shortest(options.dropout).shortText,
    ]
    // The schedule's flags where they differ from the defaults (as the training record holds them).
    let defaults = TrainingOptions()
    if options.warmupSteps != defaults.warmupSteps { args += ["--warmup", "\(options.warmupSteps)"] }
    if options.lrSchedule != defaults.lrSchedule { args += ["--lr-schedule", options.lrSchedule.rawValue] }
    if let minimum = options.minLearningRate { args += ["--min-lr", shortest(minimum).shortText] }
    if options.lrDecay != defaults.lrDecay { args += ["--lr-decay", shortest(options.lrDecay).shortText] }
    if let every = options.lrDecayEvery { args += ["--lr-decay-every", "\(every)"] }
    if options.patience != defaults.patience { args += ["--patience", "\(options.patience)"] }
    if let snapshots {
      args += ["--save-every", "\(snapshots.every)"] + (snapshots.keep.map { ["--keep", "\($0)"] } ?? [])
    }
    return args
  }

  /// The origin flags of a new run.
  static func origin(vocabulary: VocabularyOptions, initFrom: String?) -> [String] {
    if let initFrom { return ["--init-from", initFrom] }
    return ["--unit", vocabulary.unit.rawValue, "--min-count", "\(vocabulary.minCount)"]
      + (vocabulary.maxVocab.map { ["--max-vocab", "\($0)"] } ?? [])
  }

  /// The origin flags of a resumed run: those of the saved command, or (a file older than the
  /// provenance record) the unit of its tokenizer.
  static func origin(saved: RunProvenance?, tokenizer: Tokenizer) -> [String] {
    guard let command = saved?.command else { return ["--unit", tokenizer.unit.rawValue] }
    var flags: [String] = []
    for (flag, value) in zip(command, command.dropFirst()) where originFlags.contains(flag) {
      flags += [flag, value]
    }
    return flags
  }

  /// `arguments` as one line a POSIX shell reads back into the same arguments, after `charlm`.
  static func shellLine(_ arguments: [String]) -> String {
    (["charlm"] + arguments).map(shellQuoted).joined(separator: " ")
  }

  /// `word` as is when it has only safe characters, else in single quotes ('\'' for a quote).
  static func shellQuoted(_ word: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%")
    if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

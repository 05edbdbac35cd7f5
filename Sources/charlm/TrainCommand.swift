import ArgumentParser
import CharLM
import Foundation
import Kernels
import Modeling
import Tokenization
import Training

/// `charlm train`: a text file in, a model file out.
struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train a model on a UTF-8 text file.",
    discussion: """
      The first (1 − val-fraction) of the text trains, the tail validates. The model file keeps \
      the weights with the best validation loss, plus everything --resume needs. Ctrl-C saves and \
      stops; a second Ctrl-C quits at once. Progress goes to standard error: one line redrawn \
      in place on a terminal, else a line every --progress-interval seconds. Metrics go to \
      <model>.metrics.jsonl (a new run starts it afresh, --resume appends); see charlm plot.
      """)

  @Argument(help: "UTF-8 text to train on.", completion: .file())
  var corpus: String = "corpora/fortunes-en.txt"

  @Option(help: "Model file to write (safetensors); with --resume, the file to continue.")
  var model: String

  @OptionGroup var architecture: ArchitectureOptions
  @OptionGroup var schedule: ScheduleOptions
  @OptionGroup var vocabulary: VocabularyOptions
  @OptionGroup var reporting: ReportingOptions

  @OptionGroup var threads: ThreadOptions

  @Flag(help: "Continue the run saved in --model up to --steps, with its own settings.")
  var resume = false

  @Flag(help: "Print one JSON summary object as the last line of standard output.")
  var json = false

  @Flag(help: "No progress lines on standard error.")
  var quiet = false

  func validate() throws {
    try architecture.validate()
    try schedule.validate()
    try vocabulary.validate()
    try reporting.validate()
    if resume && architecture.anyGiven {
      throw ValidationError("--resume continues the saved model; drop --cell/--embedding-size/--hidden-size/--layers")
    }
  }

  func run() throws {
    threads.apply()
    try checkModelPathIsWritable()
    let bytes = try TextInput.read(corpus, what: "corpus")

    // The run: new, or restored from the model file (its training record read once, here).
    let run: TextTrainer
    let saved: LoadedModel?
    if resume {
      guard FileManager.default.fileExists(atPath: model) else {
        throw CLIFailure(
          "--resume: \(model) does not exist; check the path, or train without --resume to start a new run")
      }
      let loaded = try userFacing { try LoadedModel(path: model) }
      guard let record = TrainingRecord(metadata: loaded.file.extraMetadata) else {
        throw CLIFailure("\(model) holds no training state to resume; train without --resume to start a new run")
      }
      saved = loaded
      var options = record.options
      options.maxTime = nil
      schedule.apply(to: &options, resuming: true)
      run = try userFacing {
        try TextTrainer(
          resuming: loaded, record: record, text: bytes, source: corpus, options: options,
          learningRate: schedule.learningRate)
      }
      if run.trainer.step >= options.steps {
        throw CLIFailure(
          "\(model) has already reached step \(run.trainer.step); give --steps larger than that to continue")
      }
    } else {
      saved = nil
      var options = TrainingOptions()
      options.seed = schedule.seed ?? options.seed
      schedule.apply(to: &options, resuming: false)
      run = try userFacing {
        try TextTrainer(
          text: bytes, source: corpus, shape: architecture.shape, unit: vocabulary.unit, minCount: vocabulary.minCount,
          maxVocab: vocabulary.maxVocab, options: options)
      }
    }
    let (trainer, tokenizer, ids) = (run.trainer, run.corpus.tokenizer, run.corpus.ids)
    let (options, languageModel) = (trainer.options, trainer.model)
    let validationCount = run.validation?.count ?? 0
    if run.corpus.unknownCount > 0 && !quiet {
      eprint(
        resume
          ? "charlm: \(run.corpus.unknownCount) symbols of \(corpus) are not in the model's vocabulary"
            + (tokenizer.unknownID != nil ? "; they train as the unknown symbol" : "; they are left out")
          : "charlm: \(run.corpus.unknownCount) occurrences of rare symbols (--min-count/--max-vocab) train as the unknown symbol"
      )
    }

    let config = languageModel.config
    if !quiet {
      eprint(
        "charlm: \(corpus): \(ids.count) symbols (\(run.train.count) train, \(validationCount) validation), "
          + "vocabulary \(tokenizer.count)\(tokenizer.unknownID != nil ? " incl. unknown" : ""), unit \(tokenizer.unit.rawValue)"
      )
      eprint(
        "charlm: model \(config.cell.rawValue) E=\(config.embeddingSize) H=\(config.hiddenSize) L=\(config.layers)"
          + (options.dropout > 0
            ? " dropout \(options.dropout)\(config.layers == 1 ? " (no effect with one layer)" : "")" : "") + ", "
          + "\(languageModel.layout.totalCount) parameters; T=\(options.seqLength) B=\(options.batchSize) "
          + "lr \(options.learningRate) clip \(options.clip); \(Parallelism.threads) threads, \(blasDescription())"
          + (resume ? "; resuming at step \(trainer.step)" : ""))
    }

    Interrupts.install()
    let progress = ProgressDisplay(
      totalSteps: options.steps, chunksPerEpoch: trainer.chunksPerEpoch, symbolsPerStep: trainer.symbolsPerStep,
      style: .forStandardError(quiet: quiet), interval: reporting.progressInterval, timeLimit: options.maxTime)
    defer { progress.finishLine() }
    let metrics =
      reporting.noMetrics
      ? nil
      : try MetricsLog(
        path: MetricsLog.path(forModel: model), append: resume, interval: reporting.progressInterval,
        totalSteps: options.steps, symbolsPerStep: trainer.symbolsPerStep)
    // Symbol counts of the whole corpus for `charlm info` (a resumed run keeps the first run's).
    let symbolCounts =
      saved?.file.extraMetadata[MetadataKey.symbolCounts]
      ?? SymbolCounts.json(SymbolCounts.count(ids, vocabularySize: tokenizer.count))
    let summary = try userFacing {
      try run.run(
        saveTo: model, extraMetadata: [MetadataKey.symbolCounts: symbolCounts],
        onEvent: { event in
          progress.handle(event)
          metrics?.handle(event, learningRate: trainer.optimizer.learningRate)
        }, shouldStop: { Interrupts.requested })
    }
    progress.finishLine()
    report(summary, trainer: trainer)
    if summary.stopReason == .interrupted {
      throw CLIFailure("interrupted at step \(summary.steps); saved \(model) — continue with --resume")
    }
  }

  /// Fails before any training when the model file could never be written (a directory, or a
  /// missing or read-only directory), instead of losing the run at its first save.
  func checkModelPathIsWritable() throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue {
      throw CLIFailure("--model \(model) is a directory; give the path of the model file to write")
    }
    let parent = (model as NSString).deletingLastPathComponent
    let directory = parent.isEmpty ? "." : parent
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw CLIFailure("--model \(model): the directory \(directory) does not exist; create it first")
    }
    guard access(directory, W_OK) == 0 else {
      throw CLIFailure("--model \(model): the directory \(directory) is not writable; check its permissions")
    }
  }

  /// The closing lines: a human summary on stderr, and the JSON object on stdout.
  func report(_ summary: TrainingSummary, trainer: Trainer) {
    let valBits = summary.validationLoss.map { $0 / log(2) }
    if !quiet {
      let outcome =
        switch summary.stopReason {
        case .completed: "done"
        case .timeLimit: "time limit reached"
        case .interrupted: "interrupted"
        }
      var line = "charlm: \(outcome) at step \(summary.steps)"
      if let loss = summary.trainLoss { line += ", train loss \(fmt(Double(loss), 4))" }
      if let v = summary.validationLoss, let b = valBits {
        line += ", validation \(fmt(v, 4)) nats (\(fmt(b, 3)) bits/char)"
      }
      line += ", \(Int(summary.symbolsPerSecond)) sym/s; saved \(model)"
      eprint(line)
    }
    guard json else { return }
    var object: [String: Any] = [
      "steps": summary.steps,
      "chars_per_second": summary.symbolsPerSecond,
      "elapsed_seconds": summary.elapsedSeconds,
      "stop_reason": summary.stopReason.rawValue,
      "model": model,
    ]
    object["train_loss"] = summary.trainLoss.map { Double($0) } ?? NSNull()
    object["val_loss"] = summary.validationLoss ?? NSNull()
    object["val_bits_per_char"] = valBits ?? NSNull()
    object["best_val_loss"] = summary.bestValidationLoss ?? NSNull()
    printJSON(object)
  }
}

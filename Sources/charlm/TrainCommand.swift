import ArgumentParser
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

  @Option(parsing: .unconditional, help: "Threads for the math (default: all cores).")
  var threads: Int?

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
    if let threads, threads < 1 || threads > 1024 {
      throw ValidationError("--threads must be between 1 and 1024 (got \(threads))")
    }
    if resume && architecture.anyGiven {
      throw ValidationError("--resume continues the saved model; drop --cell/--embedding-size/--hidden-size/--layers")
    }
  }

  func run() throws {
    Parallelism.setThreads(threads ?? ProcessInfo.processInfo.activeProcessorCount)
    try checkModelPathIsWritable()
    let bytes = try TextInput.read(corpus, what: "corpus")

    // Tokenizer, model and trainer: new, or restored from the model file.
    let tokenizer: Tokenizer
    let languageModel: LanguageModel
    let saved: LoadedModel?
    var options = TrainingOptions()
    if resume {
      guard FileManager.default.fileExists(atPath: model) else {
        throw CLIFailure(
          "--resume: \(model) does not exist; check the path, or train without --resume to start a new run")
      }
      let loaded = try LoadedModel(path: model)
      guard let savedOptions = Trainer.savedOptions(metadata: loaded.file.extraMetadata) else {
        throw CLIFailure("\(model) holds no training state to resume; train without --resume to start a new run")
      }
      saved = loaded
      tokenizer = loaded.tokenizer
      options = savedOptions
      options.maxTime = nil
      languageModel = LanguageModel(config: loaded.file.config, parameters: loaded.file.parameters.clone())
    } else {
      saved = nil
      let prepared = try userFacing {
        try PreparedText(bytes, preparation: TextPreparation(normalization: .nfc), source: corpus)
      }
      tokenizer = try userFacing {
        try Tokenizer.build(
          from: prepared, unit: vocabulary.unit, minCount: vocabulary.minCount, maxVocab: vocabulary.maxVocab)
      }
      options.seed = schedule.seed ?? options.seed
      let config = architecture.config(vocabSize: tokenizer.count)
      var generator = SeededGenerator(seed: options.seed)
      languageModel = LanguageModel(config: config, generator: &generator)
    }
    schedule.apply(to: &options, resuming: resume)

    let ids = try encode(bytes, with: tokenizer)
    let validationCount = Int((Double(ids.count) * options.valFraction).rounded(.down))
    let trainIDs = ids.slice(0..<(ids.count - validationCount))
    let validationIDs = validationCount > 0 ? ids.slice((ids.count - validationCount)..<ids.count) : nil
    let trainer = try userFacing {
      try Trainer(model: languageModel, train: trainIDs, validation: validationIDs, options: options)
    }
    if let saved {
      try userFacing {
        try trainer.restore(
          tensors: saved.file.trainingTensors, metadata: saved.file.extraMetadata, best: saved.file.parameters)
      }
      if let lr = schedule.learningRate { trainer.setLearningRate(lr) }
      if trainer.step >= options.steps {
        throw CLIFailure("\(model) has already reached step \(trainer.step); give --steps larger than that to continue")
      }
    }

    let config = languageModel.config
    if !quiet {
      eprint(
        "charlm: \(corpus): \(ids.count) symbols (\(trainIDs.count) train, \(validationCount) validation), "
          + "vocabulary \(tokenizer.count)\(tokenizer.unknownID != nil ? " incl. unknown" : ""), unit \(tokenizer.unit.rawValue)"
      )
      eprint(
        "charlm: model \(config.cell.rawValue) E=\(config.embeddingSize) H=\(config.hiddenSize) L=\(config.layers)"
          + (options.dropout > 0
            ? " dropout \(options.dropout)\(config.layers == 1 ? " (no effect with one layer)" : "")" : "") + ", "
          + "\(languageModel.layout.totalCount) parameters; T=\(options.seqLength) B=\(options.batchSize) "
          + "lr \(options.learningRate) clip \(options.clip); \(Parallelism.threads) threads, \(computeDescription())"
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
      saved?.file.extraMetadata[SymbolCounts.key]
      ?? SymbolCounts.json(SymbolCounts.count(ids, vocabularySize: tokenizer.count))
    let save = {
      var (tensors, metadata) = trainer.checkpointContents()
      metadata[SymbolCounts.key] = symbolCounts
      try ModelFile(
        config: config, parameters: trainer.parametersToSave, tokenizerJSON: tokenizer.settingsJSON(),
        vocabularyJSON: tokenizer.vocabularyJSON(), trainingTensors: tensors, extraMetadata: metadata
      ).write(to: model)
    }
    let summary = try userFacing {
      try trainer.run(
        shouldStop: { Interrupts.requested }, checkpoint: save,
        onEvent: { event in
          progress.handle(event)
          metrics?.handle(event, learningRate: trainer.optimizer.learningRate)
        })
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

  /// Encodes the corpus with `tokenizer`, 2 bytes per id when V ≤ 65,536.
  func encode(_ bytes: [UInt8], with tokenizer: Tokenizer) throws -> TokenIDs {
    try userFacing {
      let prepared = try tokenizer.prepare(bytes, source: corpus)
      let ids: TokenIDs
      let unknown: Int
      if tokenizer.idsFit(in: UInt16.self) {
        let encoded = try tokenizer.encode(prepared, as: UInt16.self)
        (ids, unknown) = (.narrow(encoded.ids), encoded.unknownCount)
      } else {
        let encoded = try tokenizer.encode(prepared, as: UInt32.self)
        (ids, unknown) = (.wide(encoded.ids), encoded.unknownCount)
      }
      if unknown > 0 && !quiet {
        eprint(
          resume
            ? "charlm: \(unknown) symbols of \(corpus) are not in the model's vocabulary"
              + (tokenizer.unknownID != nil ? "; they train as the unknown symbol" : "; they are left out")
            : "charlm: \(unknown) occurrences of rare symbols (--min-count/--max-vocab) train as the unknown symbol")
      }
      return ids
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

/// Prints `object` as one line of JSON on standard output.
func printJSON(_ object: [String: Any]) {
  let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
  print(String(decoding: data, as: UTF8.self))
}

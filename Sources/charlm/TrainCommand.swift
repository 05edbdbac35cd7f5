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
    abstract: "Train a model on UTF-8 text files.",
    discussion: """
      A --val-fraction of the text validates (by default blocks sampled from all of it, see \
      --val-split), the rest trains; or the whole text trains and --val-file validates. The model file keeps \
      the weights with the best validation loss, plus everything --resume needs. Ctrl-C saves and \
      stops; a second Ctrl-C quits at once. Progress goes to standard error: one line redrawn \
      in place on a terminal, else a line every --progress-interval seconds. Metrics go to \
      <model>.metrics.jsonl (a new run starts it afresh, --resume appends); see charlm plot.
      """)

  @Argument(
    help: ArgumentHelp(
      "UTF-8 text to train on: files, directories (their regular files in byte order of the names; not hidden "
        + "files, not subdirectories) or - for standard input, joined in the order given with a newline after a "
        + "file that does not end in a line break.",
      valueName: "corpus"),
    completion: .file())
  var inputs: [String] = ["corpora/fortunes-en.txt"]

  @OptionGroup(title: "Model") var modelFile: ModelFileOptions
  @OptionGroup(title: "Model") var architecture: ArchitectureOptions
  @OptionGroup(title: "Data") var vocabulary: VocabularyOptions
  @OptionGroup(title: "Data") var batching: BatchOptions
  @OptionGroup(title: "Data") var validation: ValidationOptions
  @OptionGroup(title: "Optimization") var optimizer: OptimizerOptions
  @OptionGroup(title: "Optimization") var learningRateSchedule: LearningRateOptions
  @OptionGroup(title: "Run control") var runLength: RunLengthOptions
  @OptionGroup(title: "Run control") var stopping: StoppingOptions
  @OptionGroup(title: "Run control") var start: RunStartOptions
  @OptionGroup(title: "Run control") var threads: ThreadOptions
  @OptionGroup(title: "Output") var output: TrainOutputOptions
  @OptionGroup(title: "Output") var reporting: ReportingOptions
  @OptionGroup(title: "Output") var snapshots: SnapshotOptions
  @OptionGroup(title: "Output") var validationSample: ValidationSampleOptions

  var model: String { modelFile.model }
  var initFrom: String? { modelFile.initFrom }
  var resume: Bool { start.resume }
  var overwrite: Bool { start.overwrite }
  var json: Bool { output.json }
  var quiet: Bool { output.quiet }

  func validate() throws {
    try architecture.validate()
    try batching.validate()
    try optimizer.validate()
    try runLength.validate()
    try learningRateSchedule.validate()
    try stopping.validate()
    try validationSample.validate()
    if stopping.epochs != nil && runLength.steps != nil {
      throw ValidationError("--epochs and --steps both set the run's length; give one of them")
    }
    if batching.valFraction == 0 && ((stopping.patience ?? 0) > 0 || learningRateSchedule.lrSchedule == .plateau) {
      throw ValidationError("--patience and --lr-schedule plateau follow the validation loss; give --val-fraction > 0")
    }
    try vocabulary.validate()
    try reporting.validate()
    try validation.validate(valFraction: batching.valFraction)
    try TextInput.checkStandardInputOnce(inputs + [validation.valFile].compactMap { $0 })
    try snapshots.validate()
    if resume && overwrite {
      throw ValidationError("--resume continues the model and --overwrite replaces it; give one of them")
    }
    if resume && initFrom != nil {
      throw ValidationError("--resume continues --model itself; --init-from starts a new run from another model")
    }
  }

  func run() throws {
    Interrupts.prepare()
    threads.apply()
    // Checked before the lock (a refused path gets no lock file beside it; a run in progress is
    // named first) and again under it (another run may have written the model in between).
    let checkPath = {
      try ModelPathPolicy.checkExisting(
        model, intent: resume ? .resume : overwrite ? .overwrite : .fresh,
        sidecars: reporting.noMetrics ? [] : [MetricsLog.path(forModel: model)])
    }
    try ModelPathPolicy.checkWritable(model)
    if snapshots.saveEvery != nil {
      try ModelPathPolicy.checkWritable(SnapshotPolicy.path(forModel: model, step: 0), flag: "--save-every: a snapshot")
    }
    try RunLock.checkNotHeld(forModel: model)
    try checkPath()
    try RunLock.acquire(forModel: model)
    try checkPath()
    let text = try TextInput.read(inputs, what: "corpus")
    let (bytes, corpus) = (text.bytes, text.name)
    let validationText = try validation.valFile.map {
      (bytes: try TextInput.read($0, what: "validation file"), source: TextInput.displayName($0))
    }

    // The run: new, or restored from the model file (its training record read once, here).
    let run: TextTrainer
    let saved: LoadedModel?
    if resume {
      let loaded = try userFacing { try LoadedModel(path: model) }
      try architecture.checkMatches(loaded.file.config, of: model)
      guard let record = try userFacing({ try TrainingRecord.read(metadata: loaded.file.extraMetadata) }) else {
        if RunProvenance(metadata: loaded.file.extraMetadata) != nil {
          throw CLIFailure(
            "\(model) was exported without its training state (charlm export) and cannot be resumed; "
              + "train a new run from its weights with --init-from \(model)")
        }
        throw CLIFailure("\(model) holds no training state to resume; train without --resume to start a new run")
      }
      saved = loaded
      var options = record.options
      options.maxTime = nil
      applyFlags(to: &options, resuming: true)
      try MemoryBudget.check(config: loaded.file.config, options: options, corpusBytes: bytes.count)
      run = try userFacing {
        try TextTrainer(
          resuming: loaded, record: record, text: bytes, source: corpus, validationText: validationText,
          options: options, learningRate: optimizer.learningRate)
      }
      if run.trainer.step >= run.trainer.options.steps {
        throw CLIFailure(
          "\(model) has already reached step \(run.trainer.step); give --steps larger than that to continue")
      }
    } else {
      saved = nil
      var options = TrainingOptions()
      applyFlags(to: &options, resuming: false)
      // Weights and vocabulary from --init-from, or a new vocabulary and initial weights; the
      // memory a run needs is checked before its model and workspace are allocated.
      let source = try initFrom.map { path in try userFacing { try LoadedModel(path: path) } }
      if let source, let initFrom { try architecture.checkMatches(source.file.config, of: initFrom) }
      let prepared = try userFacing {
        if let source { return try TrainingCorpus(bytes: bytes, source: corpus, tokenizer: source.tokenizer) }
        return try TrainingCorpus(
          bytes: bytes, source: corpus, unit: vocabulary.unit, minCount: vocabulary.minCount,
          maxVocab: vocabulary.maxVocab)
      }
      let config = source?.file.config ?? architecture.shape.config(vocabSize: prepared.tokenizer.count)
      try MemoryBudget.check(config: config, options: options, corpusBytes: bytes.count)
      let languageModel: LanguageModel
      if let source {
        languageModel = LanguageModel(config: config, parameters: source.file.parameters.clone())
      } else {
        var generator = SeededGenerator(seed: options.seed)
        languageModel = LanguageModel(config: config, generator: &generator)
      }
      let validating = try validationText.map { text in
        try userFacing { try TrainingCorpus(bytes: text.bytes, source: text.source, tokenizer: prepared.tokenizer) }
      }
      run = try userFacing {
        try TextTrainer(corpus: prepared, model: languageModel, options: options, validationText: validating)
      }
    }
    let (trainer, tokenizer, ids) = (run.trainer, run.corpus.tokenizer, run.corpus.ids)
    let (options, languageModel) = (trainer.options, trainer.model)
    let validationCount = run.validation?.count ?? 0
    if let held = run.validationCorpus, held.unknownCount > 0, !quiet, let valFile = validation.valFile {
      eprint(
        "charlm: \(held.unknownCount) symbols of \(TextInput.displayName(valFile)) are not in the corpus's vocabulary"
          + " (\(UnknownSymbols.examples(held.unknownSymbols)))"
          + (tokenizer.unknownID != nil ? "; they validate as the unknown symbol" : "; they are left out"))
    }
    if run.corpus.unknownCount > 0 && !quiet {
      eprint(
        resume || initFrom != nil
          ? "charlm: \(run.corpus.unknownCount) symbols of \(corpus) are not in the model's vocabulary"
            + " (\(UnknownSymbols.examples(run.corpus.unknownSymbols)))"
            + (tokenizer.unknownID != nil ? "; they train as the unknown symbol" : "; they are left out")
          : "charlm: \(run.corpus.unknownCount) occurrences of rare symbols (--min-count/--max-vocab) train as the unknown symbol"
      )
    }

    let config = languageModel.config
    if !quiet {
      eprint(
        "charlm: \(corpus): \(ids.count) symbols (\(run.train.count) train, \(validationCount) validation"
          + (validation.valFile.map { " from \(TextInput.displayName($0))" }
            ?? (validationCount > 0 ? " \(options.valSplit.rawValue)" : ""))
          + "), "
          + "vocabulary \(tokenizer.count)\(tokenizer.unknownID != nil ? " incl. unknown" : ""), unit \(tokenizer.unit.rawValue)"
      )
      eprint(
        "charlm: model \(config.cell.rawValue) E=\(config.embeddingSize) H=\(config.hiddenSize) L=\(config.layers)"
          + (options.dropout > 0
            ? " dropout \(options.dropout)\(config.layers == 1 ? " (no effect with one layer)" : "")" : "") + ", "
          + "\(languageModel.layout.totalCount) parameters; T=\(options.seqLength) B=\(options.batchSize) "
          + "lr \(options.learningRate) clip \(options.clip); \(Parallelism.threads) threads, \(computeDescription())"
          + (resume ? "; resuming at step \(trainer.step)" : "")
          + (initFrom.map { "; starting from the weights of \($0)" } ?? ""))
      if let plan = options.scheduleDescription(chunksPerEpoch: trainer.chunksPerEpoch) { eprint("charlm: \(plan)") }
    }

    Interrupts.arm()
    let progress = ProgressDisplay(
      totalSteps: options.steps, chunksPerEpoch: trainer.chunksPerEpoch, symbolsPerStep: trainer.symbolsPerStep,
      style: .forStandardError(quiet: quiet), interval: reporting.progressInterval, timeLimit: options.maxTime,
      showsLearningRate: options.lrSchedule != .constant || options.warmupSteps > 0)
    defer { progress.finishLine() }
    let metrics =
      reporting.noMetrics
      ? nil
      : try MetricsLog(
        path: MetricsLog.path(forModel: model), append: resume, keepingThrough: trainer.step,
        interval: reporting.progressInterval,
        totalSteps: options.steps, symbolsPerStep: trainer.symbolsPerStep, chunksPerEpoch: trainer.chunksPerEpoch)
    // Symbol counts of the whole corpus for `charlm info` (a resumed run keeps the first run's).
    let symbolCounts =
      saved?.file.extraMetadata[MetadataKey.symbolCounts]
      ?? SymbolCounts.json(SymbolCounts.count(ids, vocabularySize: tokenizer.count))
    let settings = saveSettings(saved: saved, corpus: corpus, config: config, options: options, tokenizer: tokenizer)
    // A validation's sample is shown after its line, which waits for the save.
    var pendingSample: String?
    let summary = try userFacing {
      try run.run(
        saveTo: model, extraMetadata: [MetadataKey.symbolCounts: symbolCounts], settings: settings,
        onEvent: { event in
          progress.handle(event)
          var sample: String?
          if case .validation = event, validationSample.length > 0 {
            sample = run.validationSample(length: validationSample.length)
            pendingSample = sample
          }
          metrics?.handle(event, learningRate: trainer.optimizer.learningRate, sample: sample)
        },
        onSaved: {
          progress.saved()
          if let sample = pendingSample.take() {
            progress.line("sample at step \(trainer.step): \"\(ControlCharacters.escaped(sample))\"")
          }
        },
        onSnapshot: { path, pruned in
          progress.line(
            "snapshot at step \(trainer.step): saved \(path)"
              + (pruned.isEmpty ? "" : "; removed \(pruned.joined(separator: ", "))"))
        }, shouldStop: { Interrupts.requested })
    }
    progress.finishLine()
    report(summary, trainer: trainer)
    if summary.stopReason == .interrupted {
      throw CLIFailure("interrupted at step \(summary.steps); saved \(model) — continue with --resume")
    }
  }

  /// Writes the flags given over `options`: the defaults for a new run, the saved run's for a
  /// resumed one (whose data layout and seed only change when a flag says so).
  func applyFlags(to options: inout TrainingOptions, resuming: Bool) {
    batching.apply(to: &options, resuming: resuming)
    validation.apply(to: &options, resuming: resuming)
    optimizer.apply(to: &options)
    learningRateSchedule.apply(to: &options)
    runLength.apply(to: &options, resuming: resuming)
    stopping.apply(to: &options, stepsGiven: runLength.steps != nil)
  }

  /// The provenance every save writes (a resumed run continues the saved one's time and best
  /// step) and the snapshot policy.
  func saveSettings(
    saved: LoadedModel?, corpus: String, config: ModelConfig, options: TrainingOptions, tokenizer: Tokenizer
  )
    -> TextTrainer.SaveSettings
  {
    let previous = saved.flatMap { RunProvenance(metadata: $0.file.extraMetadata) }
    let origin =
      saved != nil
      ? TrainCommandLine.origin(saved: previous, tokenizer: tokenizer)
      : TrainCommandLine.origin(vocabulary: vocabulary, initFrom: initFrom)
    let command = TrainCommandLine.arguments(
      inputs: inputs, model: model, config: config, options: options, valFile: validation.valFile, origin: origin,
      snapshots: snapshots.policy)
    let provenance = RunProvenance(
      version: CharLMCommand.version, command: command, textPath: corpus, text: nil,
      trainingSeconds: previous?.trainingSeconds ?? 0, bestStep: previous?.bestStep)
    return TextTrainer.SaveSettings(provenance: provenance, snapshots: snapshots.policy)
  }
}

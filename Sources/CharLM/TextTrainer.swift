import Kernels
import Modeling
import Tokenization
import Training

/// A model's shape before its vocabulary is known: cell, E, H, L (V comes from the text).
public struct ModelShape: Sendable, Equatable {
  public var cell: CellKind
  public var embeddingSize: Int
  public var hiddenSize: Int
  public var layers: Int

  /// A shape; the defaults are `charlm train`'s.
  public init(cell: CellKind = .lstm, embeddingSize: Int = 64, hiddenSize: Int = 256, layers: Int = 1) {
    (self.cell, self.embeddingSize, self.hiddenSize, self.layers) = (cell, embeddingSize, hiddenSize, layers)
  }

  /// The configuration of this shape for a vocabulary of V symbols.
  public func config(vocabSize: Int) -> ModelConfig {
    ModelConfig(cell: cell, vocabSize: vocabSize, embeddingSize: embeddingSize, hiddenSize: hiddenSize, layers: layers)
  }
}

/// A training run on a text, new or resumed: the corpus (prepared once), the split, and the
/// ``Trainer``; ``run(saveTo:extraMetadata:onEvent:onSaved:shouldStop:)`` trains and writes the
/// model file at every checkpoint. The training record keeps the text's fingerprint, and a
/// resume on another text is refused.
public final class TextTrainer {
  /// The text's ids and their tokenizer.
  public let corpus: TrainingCorpus
  /// The ids that train and those that validate: a split of the corpus (`options.valSplit`,
  /// `options.valFraction`), or the whole corpus and a separate text (``validationCorpus``).
  public let train: TokenIDs, validation: TokenIDs?
  /// The separate validation text, in the corpus's tokenizer, when the run validates on one.
  public let validationCorpus: TrainingCorpus?
  /// The run.
  public let trainer: Trainer

  /// A new run: a vocabulary built from `text`, a model of `shape` initialized from
  /// `options.seed`. Throws ``TokenizationError`` or ``TrainingError``.
  public convenience init(
    text: [UInt8], source: String = "the text", shape: ModelShape = ModelShape(), unit: SymbolUnit = .grapheme,
    minCount: Int = 1, maxVocab: Int? = nil, options: TrainingOptions
  ) throws {
    let corpus = try TrainingCorpus(
      bytes: text, source: source, unit: unit, minCount: minCount, maxVocab: maxVocab)
    var generator = SeededGenerator(seed: options.seed)
    let model = LanguageModel(config: shape.config(vocabSize: corpus.tokenizer.count), generator: &generator)
    try self.init(corpus: corpus, model: model, options: options)
  }

  /// A new run of `model` on `corpus` (whose tokenizer must be the model's): a model of a shape
  /// just initialized, or another model's weights to continue on new text (`--init-from`).
  /// With `validationText` (in the same tokenizer, see
  /// ``TrainingCorpus/init(bytes:source:tokenizer:)``) the whole corpus trains and that text
  /// validates; `options.valFraction` is then not used.
  public init(
    corpus: TrainingCorpus, model: LanguageModel, options: TrainingOptions, validationText: TrainingCorpus? = nil
  ) throws(TrainingError) {
    precondition(corpus.tokenizer.count == model.config.vocabSize, "the corpus's tokenizer is not the model's")
    self.corpus = corpus
    validationCorpus = validationText
    (train, validation) = validationText.map { (corpus.ids, $0.ids) } ?? corpus.split(for: options)
    trainer = try Trainer(model: model, train: train, validation: validation, options: options)
    trainer.textFingerprint = corpus.fingerprint
    trainer.validationFingerprint = validationText?.fingerprint
  }

  /// Continues the run saved in `saved` (its `record`, read once by the caller) on `text`, in
  /// the saved tokenizer; refused when the record names another text. `options` are the
  /// record's with the changes the caller allows (see
  /// ``Trainer/init(resuming:record:train:validation:options:text:learningRate:)``).
  /// `validationText` is the separate validation text the run was started with, if any
  /// (refused when it differs).
  public init(
    resuming saved: LoadedModel, record: TrainingRecord, text: [UInt8], source: String = "the text",
    validationText: (bytes: [UInt8], source: String)? = nil, options: TrainingOptions, learningRate: Float? = nil
  ) throws {
    let corpus = try TrainingCorpus(bytes: text, source: source, tokenizer: saved.tokenizer)
    let held = try validationText.map {
      try TrainingCorpus(bytes: $0.bytes, source: $0.source, tokenizer: saved.tokenizer)
    }
    (self.corpus, validationCorpus) = (corpus, held)
    (train, validation) = held.map { (corpus.ids, $0.ids) } ?? corpus.split(for: options)
    trainer = try Trainer(
      resuming: saved.file, record: record, train: train, validation: validation, options: options,
      text: corpus.fingerprint, validationText: held?.fingerprint, learningRate: learningRate)
  }

  /// The model file of the run as it stands: the parameters to keep (the current ones for a
  /// `snapshot`), the tokenizer, the training state, and `extraMetadata` besides.
  public func modelFile(extraMetadata: [String: String] = [:], snapshot: Bool = false) -> ModelFile {
    let (tensors, metadata) = trainer.checkpointContents(snapshot: snapshot)
    let tokenizer = corpus.tokenizer
    return ModelFile(
      config: trainer.model.config, parameters: snapshot ? trainer.model.parameters : trainer.parametersToSave,
      tokenizerJSON: tokenizer.settingsJSON(),
      vocabularyJSON: tokenizer.vocabularyJSON(), trainingTensors: tensors,
      extraMetadata: metadata.merging(extraMetadata) { saved, _ in saved })
  }

  /// Trains up to `options.steps` (see ``Trainer/run(shouldStop:checkpoint:onEvent:)``),
  /// writing the model file to `path` atomically at every checkpoint; `onSaved` runs after each
  /// write has been renamed into place (not when it failed).
  public func run(
    saveTo path: String, extraMetadata: [String: String] = [:], onEvent: (TrainingEvent) -> Void = { _ in },
    onSaved: () -> Void = {}, shouldStop: () -> Bool = { false }
  ) throws -> TrainingSummary {
    try trainer.run(
      shouldStop: shouldStop,
      checkpoint: {
        try modelFile(extraMetadata: extraMetadata).write(to: path)
        onSaved()
      },
      onEvent: onEvent)
  }
}

import Modeling
import SafeTensors
import Tokenization

/// A model file opened for use: the network and its tokenizer together, with the file's other
/// contents (training record, symbol counts). Every reader of a model file starts here.
public struct LoadedModel {
  /// The file as read: configuration, parameters, metadata, training tensors.
  public let file: ModelFile
  /// The network, on the file's parameters.
  public let model: LanguageModel
  /// Text ↔ ids with the model's own unit, normalization and vocabulary.
  public let tokenizer: Tokenizer

  /// Opens and checks a model file: format, tensors, and a vocabulary that matches V.
  public init(path: String) throws(CheckpointError) {
    try self.init(file: ModelFile.read(from: path), source: path)
  }

  /// Checks a model file's tokenizer against its tensors (`source` names it in errors).
  public init(file: ModelFile, source: String) throws(CheckpointError) {
    let tokenizer: Tokenizer
    do {
      tokenizer = try Tokenizer(settingsJSON: file.tokenizerJSON, vocabularyJSON: file.vocabularyJSON)
    } catch {
      throw .inconsistentModel(source: source, detail: "it has an invalid tokenizer: \(error)")
    }
    guard tokenizer.count == file.config.vocabSize else {
      throw .inconsistentModel(
        source: source,
        detail: "its vocabulary has \(tokenizer.count) symbols but its tensors have \(file.config.vocabSize)")
    }
    self.file = file
    self.tokenizer = tokenizer
    model = LanguageModel(config: file.config, parameters: file.parameters)
  }
}

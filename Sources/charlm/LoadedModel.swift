import Modeling
import Tokenization

/// A model file opened for use: the model, its tokenizer, and the file's other contents.
struct LoadedModel {
  let file: ModelFile
  let model: LanguageModel
  let tokenizer: Tokenizer

  /// Opens and checks a model file: format, tensors, and a vocabulary that matches V.
  init(path: String) throws {
    file = try userFacing { try ModelFile.read(from: path) }
    do {
      tokenizer = try Tokenizer(settingsJSON: file.tokenizerJSON, vocabularyJSON: file.vocabularyJSON)
    } catch {
      throw CLIFailure(
        "\(path) has an invalid tokenizer: \(error); the file is damaged — use the previous copy or retrain")
    }
    guard tokenizer.count == file.config.vocabSize else {
      throw CLIFailure(
        "\(path) is inconsistent: its vocabulary has \(tokenizer.count) symbols but its tensors have \(file.config.vocabSize); "
          + "the file is damaged — use the previous copy or retrain")
    }
    model = LanguageModel(config: file.config, parameters: file.parameters)
  }
}

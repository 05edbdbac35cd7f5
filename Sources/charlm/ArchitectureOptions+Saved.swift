import Modeling

extension ArchitectureOptions {
  /// Fails when a given flag differs from `config`, the shape of the model at `source` that this
  /// run continues (`--resume`) or starts from (`--init-from`); equal values are accepted, so the
  /// first command with `--resume` added still works.
  func checkMatches(_ config: ModelConfig, of source: String) throws {
    let given: [(flag: String, value: String?, saved: String)] = [
      ("--cell", cell?.rawValue, config.cell.rawValue),
      ("--embedding-size", embeddingSize.map(String.init), String(config.embeddingSize)),
      ("--hidden-size", hiddenSize.map(String.init), String(config.hiddenSize)),
      ("--layers", layers.map(String.init), String(config.layers)),
    ]
    for (flag, value, saved) in given {
      guard let value, value != saved else { continue }
      throw CLIFailure(
        "\(flag) \(value) differs from the model in \(source), which has \(flag) \(saved); "
          + "drop the flag to keep the model's shape, or start a new model with --overwrite")
    }
  }
}

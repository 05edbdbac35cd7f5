import Modeling

/// The memory a training run needs, estimated before anything is allocated, so that a size
/// inside the flag ranges but beyond the machine (`--hidden-size 65536`) is refused with a
/// message instead of dying in `Fatal error: out of memory` or being killed by the OOM killer.
public enum TrainingMemory {
  /// Copies of the P parameters alive at a save, the peak: the model, its gradient, Adam's two
  /// moments, the best and the last good parameters (6), the model file's tensors (model,
  /// `train.parameters`, two moments, best: 5) and the file's encoded bytes (5 more).
  static let parameterCopies = 16.0

  /// Bytes a run on `corpusBytes` bytes of text needs, about: the parameter copies above, the
  /// workspace for chunks of T × B, and the text (raw bytes, its prepared copy and 4-byte ids).
  public static func estimatedBytes(config: ModelConfig, options: TrainingOptions, corpusBytes: Int) -> Double {
    let parameters = ParameterLayout.estimatedCount(config: config)
    let workspace = Workspace.floatCount(config: config, steps: options.seqLength, batch: options.batchSize)
    return 4 * (parameterCopies * parameters + workspace) + 6 * Double(corpusBytes)
  }
}

extension ParameterLayout {
  /// P for `config`, in Double (no overflow for absurd sizes): Emb (V, E), per layer W_ih
  /// (G·H, E or H), W_hh (G·H, H) and two biases, head (V, H) and its bias.
  static func estimatedCount(config: ModelConfig) -> Double {
    let (v, e, h, l) = (
      Double(config.vocabSize), Double(config.embeddingSize), Double(config.hiddenSize), Double(config.layers)
    )
    let gh = Double(config.cell.gateCount) * h
    let firstLayer = gh * (e + h + 2)
    let upperLayers = max(l - 1, 0) * gh * (h + h + 2)
    return v * e + firstLayer + upperLayers + v * h + v
  }
}

extension Workspace {
  /// Floats a `Workspace(config:steps:batch:)` allocates (its two id arrays of Int32 counted as
  /// one float each), computed in Double so that absurd sizes do not overflow. Mirrors the
  /// initializer buffer by buffer; `WorkspaceSizeTests` checks that the two agree.
  public static func floatCount(config: ModelConfig, steps T: Int, batch B: Int) -> Double {
    let (t, b, v, e, h, l) = (
      Double(T), Double(B), Double(config.vocabSize), Double(config.embeddingSize), Double(config.hiddenSize),
      Double(config.layers)
    )
    let g = Double(config.cell.gateCount)
    let isLSTM = config.cell == .lstm ? 1.0 : 0
    let isGRU = config.cell == .gru ? 1.0 : 0
    var floats = 2 * t * b  // inputs, targets
    floats += 2 * t * b * e  // embedded, embeddedGradient
    floats += l * t * b * g * h * (1 + isGRU)  // gates, hiddenGates
    floats += l * (t + 1) * b * h * (1 + isLSTM)  // hiddenStates, cellStates
    floats += 2 * max(l - 1, 0) * t * b * h  // dropoutMasks, droppedInputs
    floats += t * b * v  // logits
    floats += t * b * h  // hiddenGradients (one buffer shared by the layers)
    floats += t * b * g * h * ((1 - isLSTM) + isGRU)  // gateGradients, hiddenGateGradients
    floats += b * h + g * h  // cellGradient, combinedBias
    if FoldedEmbedding.pays(vocab: config.vocabSize, rows: T * B) { floats += v * g * h }
    floats += Double(extraScratchCount(config: config, steps: T, batch: B))  // extraScratch
    floats += Double(headScratchCount(config: config))  // headScratch
    return floats
  }

  /// Floats this workspace holds (for the test of ``floatCount(config:steps:batch:)``).
  var allocatedFloatCount: Int {
    let lists = [gates, hiddenGates, hiddenStates, cellStates, dropoutMasks, droppedInputs]
    let single = [
      embedded, logits, hiddenGradients[0], embeddedGradient, gateGradients, hiddenGateGradients, cellGradient,
      combinedBias,
    ]
    return 2 * steps * batch + lists.joined().reduce(0) { $0 + $1.count }
      + (single + [foldedTable, extraScratch, headScratch]).reduce(0) {
        $0 + $1.count
      }
  }
}

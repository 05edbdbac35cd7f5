import Kernels
import Modeling

/// Loss of a model over a whole split, with the state carried through it.
public enum Evaluation {
  /// Mean cross-entropy (nats per scored symbol) over every position of `layout`'s B streams,
  /// from a zero state, in chunks of up to T steps (the last may be shorter).
  public static func meanLoss(model: LanguageModel, ids: TokenIDs, layout: BatchLayout, workspace: Workspace) -> Double
  {
    let state = RecurrentState(config: model.config, batch: layout.batch)
    var (nats, scored) = (0.0, 0)
    for k in 0..<layout.coveringChunks {
      let steps = layout.steps(inChunk: k)
      layout.fill(chunk: k, stepCount: steps, from: ids, inputs: workspace.inputs, targets: workspace.targets)
      let result = model.loss(steps: steps, state: state, workspace: workspace, parametersUnchanged: k > 0)
      nats += result.nats
      scored += result.scored
    }
    return scored > 0 ? nats / Double(scored) : .nan
  }
}

extension Evaluation {
  /// Scores every symbol of `ids` after the first, each predicted from all the symbols before it:
  /// one stream (B = 1) from a zero state, in chunks of `chunkSteps`.
  ///
  /// - skippedTargets: positions whose symbol is not scored (e.g. the symbol right after an
  ///   unknown one that had to be left out), sorted ascending.
  /// - targetNats: when given, (N) out: entry i is the nats of predicting `ids[i]` (0 for i = 0
  ///   and for skipped positions), the very terms the total adds.
  /// - onChunk: called after each chunk with the number of positions predicted so far (of N − 1).
  /// - Returns: Σ nats over scored symbols and how many were scored.
  public static func score(
    model: LanguageModel, ids: TokenIDs, skippedTargets: [Int] = [], chunkSteps: Int = 256,
    targetNats: UnsafeMutableBufferPointer<Double>? = nil, onChunk: (_ predicted: Int) -> Void = { _ in }
  ) -> (nats: Double, scored: Int) {
    precondition(targetNats.map { $0.count == ids.count } ?? true, "targetNats must hold one entry per id")
    let layout = BatchLayout(symbols: ids.count, batch: 1, steps: chunkSteps)
    let workspace = Workspace(config: model.config, steps: chunkSteps, batch: 1)
    let state = RecurrentState(config: model.config, batch: 1)
    var (nats, scored) = (0.0, 0)
    var skip = skippedTargets.makeIterator()
    var nextSkip = skip.next()
    if let first = targetNats?.baseAddress { first[0] = 0 }
    for k in 0..<layout.coveringChunks {
      let steps = layout.steps(inChunk: k)
      layout.fill(chunk: k, stepCount: steps, from: ids, inputs: workspace.inputs, targets: workspace.targets)
      // Chunk k's targets are positions k·T + 1 … k·T + steps.
      while let s = nextSkip, s <= k * chunkSteps + steps {
        if s >= k * chunkSteps + 1 { workspace.targets[s - k * chunkSteps - 1] = -1 }
        nextSkip = skip.next()
      }
      let result = model.loss(
        steps: steps, state: state, workspace: workspace,
        rowNats: targetNats?.baseAddress.map { $0 + k * chunkSteps + 1 }, parametersUnchanged: k > 0)
      nats += result.nats
      scored += result.scored
      onChunk(k * chunkSteps + steps)
    }
    return (nats, scored)
  }
}

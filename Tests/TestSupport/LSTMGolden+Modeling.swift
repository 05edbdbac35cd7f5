import Kernels
import Modeling
import Testing

/// The golden fixture turned into charlm's types: a model laid out by ParameterLayout (filled by
/// name), states, workspaces. Shared by ModelingTests and TrainingTests.
extension LSTMGolden {
  public var modelConfig: ModelConfig {
    ModelConfig(
      cell: cell.flatMap(CellKind.init(rawValue:)) ?? .lstm, vocabSize: config.V, embeddingSize: config.E,
      hiddenSize: config.H, layers: config.L)
  }

  /// A flat buffer laid out by ParameterLayout, filled by name from `tensors`.
  public func parameterBuffer(_ tensors: [String: Tensor<Float>]) throws -> FloatBuffer {
    let layout = ParameterLayout(config: modelConfig)
    let buffer = FloatBuffer(count: layout.totalCount)
    for slot in layout.slots {
      let t = try #require(tensors[slot.name], "fixture lacks \(slot.name)")
      try #require(
        t.shape == slot.shape && t.values.count == slot.count, "\(slot.name): shape \(t.shape), expected \(slot.shape)")
      buffer.pointer(to: slot).update(from: t.values, count: slot.count)
    }
    return buffer
  }

  /// The fixture's model with its initial parameters.
  public func model() throws -> LanguageModel {
    LanguageModel(config: modelConfig, parameters: try parameterBuffer(parameters))
  }

  /// A state (L, B, H) holding `h` and `c`.
  public func state(h: Tensor<Float>, c: Tensor<Float>) throws -> RecurrentState {
    let s = RecurrentState(config: modelConfig, batch: config.B)
    try #require(h.values.count == s.h.count && c.values.count == s.c.count)
    s.h.pointer.update(from: h.values, count: s.h.count)
    s.c.pointer.update(from: c.values, count: s.c.count)
    return s
  }

  /// Copies (T, B) ids into the workspace.
  public func load(inputs: some Collection<Int>, targets: some Collection<Int>, into ws: Workspace) {
    for (i, id) in inputs.enumerated() { ws.inputs[i] = Int32(id) }
    for (i, id) in targets.enumerated() { ws.targets[i] = Int32(id) }
  }

  /// A parameter-shaped buffer's contents by name.
  public func split(_ buffer: FloatBuffer) -> [String: [Float]] {
    let layout = ParameterLayout(config: modelConfig)
    return Dictionary(
      uniqueKeysWithValues: layout.slots.map { slot in
        (slot.name, Array(UnsafeBufferPointer(start: buffer.pointer(to: slot), count: slot.count)))
      })
  }
}

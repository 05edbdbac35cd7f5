import Kernels

/// Where each named parameter tensor lives inside one flat Float buffer.
///
/// All parameters share one buffer (and gradients and optimizer moments share the same
/// layout), so clipping, Adam and checkpointing are single loops over memory. Names and shapes
/// are PyTorch's, in this order:
///
///     embedding.weight     (V, E)
///     rnn.weight_ih_l{k}   (G·H, E or H)    G = 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n), 1 for RNN
///     rnn.weight_hh_l{k}   (G·H, H)
///     rnn.bias_ih_l{k}     (G·H)
///     rnn.bias_hh_l{k}     (G·H)
///     head.weight          (V, H)
///     head.bias            (V)
public struct ParameterLayout: Sendable, Equatable {
  /// One named tensor: its shape and its place in the flat buffer.
  public struct Slot: Sendable, Equatable {
    /// PyTorch state-dict name, e.g. `rnn.weight_ih_l0`.
    public let name: String
    /// Row-major shape.
    public let shape: [Int]
    /// Index of the first element in the flat buffer.
    public let offset: Int
    /// Number of elements (product of the shape).
    public var count: Int { shape.reduce(1, *) }
  }

  /// Per-layer slot indices into ``slots``.
  public struct LayerSlots: Sendable, Equatable {
    /// Indices of `rnn.weight_ih_l{k}`, `rnn.weight_hh_l{k}`, `rnn.bias_ih_l{k}` and
    /// `rnn.bias_hh_l{k}` in ``ParameterLayout/slots``.
    public let weightIH: Int, weightHH: Int, biasIH: Int, biasHH: Int
  }

  /// Every tensor in file order.
  public let slots: [Slot]
  /// Index of `embedding.weight`.
  public let embedding: Int
  /// Indices of each recurrent layer's four tensors.
  public let layers: [LayerSlots]
  /// Index of `head.weight`.
  public let headWeight: Int
  /// Index of `head.bias`.
  public let headBias: Int
  /// Total number of parameters.
  public let totalCount: Int

  /// The layout of a model of this configuration.
  public init(config: ModelConfig) {
    var slots: [Slot] = []
    var offset = 0
    func add(_ name: String, _ shape: [Int]) -> Int {
      slots.append(Slot(name: name, shape: shape, offset: offset))
      offset += shape.reduce(1, *)
      return slots.count - 1
    }
    let (V, E, H) = (config.vocabSize, config.embeddingSize, config.hiddenSize)
    let G = config.cell.gateCount
    embedding = add("embedding.weight", [V, E])
    var layers: [LayerSlots] = []
    for k in 0..<config.layers {
      let input = config.inputSize(ofLayer: k)
      layers.append(
        LayerSlots(
          weightIH: add("rnn.weight_ih_l\(k)", [G * H, input]),
          weightHH: add("rnn.weight_hh_l\(k)", [G * H, H]),
          biasIH: add("rnn.bias_ih_l\(k)", [G * H]),
          biasHH: add("rnn.bias_hh_l\(k)", [G * H])))
    }
    self.layers = layers
    headWeight = add("head.weight", [V, H])
    headBias = add("head.bias", [V])
    self.slots = slots
    totalCount = offset
  }

}

extension FloatBuffer {
  /// Pointer to the first element of `slot` inside this flat parameter-shaped buffer.
  @inlinable
  public func pointer(to slot: ParameterLayout.Slot) -> UnsafeMutablePointer<Float> {
    pointer + slot.offset
  }
}

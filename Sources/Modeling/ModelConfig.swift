/// The recurrent cell of a model. Parameter names and gate order follow PyTorch's modules.
public enum CellKind: String, Codable, Sendable, CaseIterable {
  /// `torch.nn.LSTM`: four gates i, f, g, o; a hidden and a cell state.
  case lstm
  /// `torch.nn.GRU`: three gates r, z, n; a hidden state only.
  case gru
  /// `torch.nn.RNN(nonlinearity='tanh')`: one block, h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
  case rnn

  /// Rows of W_ih / W_hh per hidden unit (the number of gate blocks).
  public var gateCount: Int { layerType.gateCount }
}

/// The shape of a model: Embedding(V, E) → L recurrent layers of H units → Linear(H, V).
///
/// Encoded as the `charlm.config` metadata of a model file with snake_case keys
/// (`{"cell": "lstm", "vocab_size": V, "embedding_size": E, "hidden_size": H, "layers": L}`).
public struct ModelConfig: Codable, Equatable, Sendable {
  /// The recurrent cell.
  public var cell: CellKind
  /// V: number of symbols, including the unknown symbol if the vocabulary has one.
  public var vocabSize: Int
  /// E: width of the embedding vectors.
  public var embeddingSize: Int
  /// H: hidden units per recurrent layer.
  public var hiddenSize: Int
  /// L: stacked recurrent layers.
  public var layers: Int

  /// Creates a configuration.
  /// - Precondition: every size is at least 1.
  public init(cell: CellKind = .lstm, vocabSize: Int, embeddingSize: Int, hiddenSize: Int, layers: Int) {
    precondition(vocabSize >= 1 && embeddingSize >= 1 && hiddenSize >= 1 && layers >= 1)
    self.cell = cell
    self.vocabSize = vocabSize
    self.embeddingSize = embeddingSize
    self.hiddenSize = hiddenSize
    self.layers = layers
  }

  enum CodingKeys: String, CodingKey {
    case cell
    case vocabSize = "vocab_size"
    case embeddingSize = "embedding_size"
    case hiddenSize = "hidden_size"
    case layers
  }

  /// Width of layer k's input: E for the first layer, H above it.
  public func inputSize(ofLayer k: Int) -> Int { k == 0 ? embeddingSize : hiddenSize }
}

import Kernels

/// Every buffer a forward and backward pass over one chunk needs, allocated once and reused
/// for every step, so the training loop never allocates.
///
/// Sized for up to T steps of B streams; a chunk may use fewer steps (the last validation
/// chunk). Names use B streams, T steps, V vocabulary, E embedding, H hidden, G gate blocks.
public final class Workspace {
  /// Maximum steps per chunk (T).
  public let steps: Int
  /// Streams (B).
  public let batch: Int
  let config: ModelConfig

  /// Input ids, (T, B).
  public let inputs: UnsafeMutablePointer<Int32>
  /// Target ids, (T, B); negative entries are not scored.
  public let targets: UnsafeMutablePointer<Int32>
  /// Embedded inputs, (T, B, E).
  let embedded: FloatBuffer
  /// Per layer: activated gates, (T, B, G·H).
  let gates: [FloatBuffer]
  /// Per layer: hidden states h_0 … h_T, ((T+1), B, H); rows 1…T are the layer's output.
  let hiddenStates: [FloatBuffer]
  /// Per layer: cell states c_0 … c_T, ((T+1), B, H).
  let cellStates: [FloatBuffer]
  /// Per layer: tanh(c_t), (T, B, H), saved for the backward pass.
  let tanhCells: [FloatBuffer]
  /// Logits, then probabilities, then ∂loss/∂logits: (T, B, V).
  public let logits: FloatBuffer
  /// Per layer: ∂loss/∂(layer output), (T, B, H).
  let hiddenGradients: [FloatBuffer]
  /// ∂loss/∂(embedded inputs), (T, B, E).
  let embeddedGradient: FloatBuffer
  /// ∂loss/∂(gate pre-activations) of the layer being differentiated, (T, B, G·H).
  let gateGradients: FloatBuffer
  /// ∂loss/∂c carried backwards through time, (B, H).
  let cellGradient: FloatBuffer
  /// b_ih + b_hh of the layer being computed, (G·H).
  let combinedBias: FloatBuffer

  /// Buffers for chunks of up to `steps` steps over `batch` streams of a model of `config`.
  public init(config: ModelConfig, steps: Int, batch: Int) {
    precondition(steps >= 1 && batch >= 1)
    self.steps = steps
    self.batch = batch
    self.config = config
    let (T, B, V, E, H, L) = (steps, batch, config.vocabSize, config.embeddingSize, config.hiddenSize, config.layers)
    let G = config.cell.gateCount
    inputs = .allocate(capacity: T * B)
    inputs.initialize(repeating: 0, count: T * B)
    targets = .allocate(capacity: T * B)
    targets.initialize(repeating: -1, count: T * B)
    embedded = FloatBuffer(count: T * B * E)
    gates = (0..<L).map { _ in FloatBuffer(count: T * B * G * H) }
    hiddenStates = (0..<L).map { _ in FloatBuffer(count: (T + 1) * B * H) }
    cellStates = (0..<L).map { _ in FloatBuffer(count: (T + 1) * B * H) }
    tanhCells = (0..<L).map { _ in FloatBuffer(count: T * B * H) }
    logits = FloatBuffer(count: T * B * V)
    hiddenGradients = (0..<L).map { _ in FloatBuffer(count: T * B * H) }
    embeddedGradient = FloatBuffer(count: T * B * E)
    gateGradients = FloatBuffer(count: T * B * G * H)
    cellGradient = FloatBuffer(count: B * H)
    combinedBias = FloatBuffer(count: G * H)
  }

  deinit {
    inputs.deallocate()
    targets.deallocate()
  }

  /// The top layer's outputs h_1 … h_T, (T, B, H).
  var topOutputs: UnsafeMutablePointer<Float> {
    hiddenStates[config.layers - 1].pointer + batch * config.hiddenSize
  }
}

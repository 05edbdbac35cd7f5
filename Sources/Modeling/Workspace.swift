import Kernels

/// Every buffer a forward and backward pass over one chunk needs, allocated once and reused
/// for every step, so the training loop never allocates.
///
/// Sized for up to T steps of B streams; a chunk may use fewer steps (the last validation
/// chunk). Names use B streams, T steps, V vocabulary, E embedding, H hidden, G gate blocks
/// (4 LSTM, 3 GRU, 1 RNN). The cell's layer type sizes its buffers
/// (``RecurrentLayer/chunkBufferSizes(steps:batch:hidden:)``); buffers a cell does not use are empty.
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
  /// Per layer: activated gates, (T, B, G·H) (RNN: pre-activations); LSTM's backward pass
  /// overwrites them with their gradients.
  let gates: [FloatBuffer]
  /// Per layer, GRU only: h·W_hhᵀ, kept apart from the input part; its n block is saved as
  /// W_hn·h + b_hn. (T, B, 3H).
  let hiddenGates: [FloatBuffer]
  /// Per layer: hidden states h_0 … h_T, ((T+1), B, H); rows 1…T are the layer's output.
  let hiddenStates: [FloatBuffer]
  /// Per layer, LSTM only: cell states c_0 … c_T, ((T+1), B, H).
  let cellStates: [FloatBuffer]
  /// Per layer k ≥ 1 (layer 0's is empty): the dropout mask on layer k's input, (T, B, H).
  let dropoutMasks: [FloatBuffer]
  /// Per layer k ≥ 1 (layer 0's is empty): layer k's input after dropout, (T, B, H).
  let droppedInputs: [FloatBuffer]
  /// Logits, then probabilities, then ∂loss/∂logits: (T, B, V).
  public let logits: FloatBuffer
  /// Per layer: ∂loss/∂(layer output), (T, B, H). One buffer shared by all layers: layer k's
  /// backward is done with its own (the recurrence's scratch) before its chunk-level products
  /// write ∂loss/∂input, layer k−1's, over it (2 × 512: 10 MB fewer at the peak).
  let hiddenGradients: [FloatBuffer]
  /// ∂loss/∂(embedded inputs), (T, B, E).
  let embeddedGradient: FloatBuffer
  /// ∂loss/∂(gate pre-activations) of the layer being differentiated, (T, B, G·H); for GRU the
  /// gradient of the input part x·W_ihᵀ + b_ih. Empty for LSTM, whose backward writes these
  /// gradients over its saved gates.
  let gateGradients: FloatBuffer
  /// GRU only: ∂loss/∂(h·W_hhᵀ + b_hh) of the layer being differentiated, (T, B, 3H).
  let hiddenGateGradients: FloatBuffer
  /// ∂loss/∂c carried backwards through time (LSTM), or scratch (GRU), (B, H).
  let cellGradient: FloatBuffer
  /// b_ih + b_hh of the layer being computed, (G·H).
  let combinedBias: FloatBuffer
  /// Per layer: W_hh (G·H, H) packed for the forward recurrence h_{t−1}·W_hhᵀ, once per chunk.
  /// Every layer's W_hh has that shape and layers run one after the other, each packing its own
  /// before its T steps, so all layers share one packed copy (2 × 512: 4 MiB per layer fewer).
  let recurrentWeights: [PackedWeights]
  /// Per layer: W_hh packed for the backward recurrence ∂gates·W_hh, once per chunk; shared
  /// like ``recurrentWeights``, and in the same memory (``PackedWeightsMemory``): the forward's
  /// copy is done with before the backward packs (2 × 512: 4 MiB fewer again).
  let recurrentWeightsBackward: [PackedWeights]
  /// The recurrent layers' weight-gradient scratch where the ∂loss/∂h buffer is too small for it
  /// (short chunks of few streams), else empty (``gradientScratch``).
  let extraScratch: FloatBuffer
  /// W_head packed for the head's products logits = h·W_headᵀ and ∂h = ∂logits·W_head, once per
  /// chunk (``OutputHead``); each its own memory, as both serve every block of rows.
  let headWeights: PackedWeights
  let headWeightsBackward: PackedWeights
  /// The head's scratch (``OutputHead/scratchCount(hidden:vocab:threads:)``): its bias-gradient
  /// sums and ∂W_head's split, written while ∂loss/∂h already holds the head's output.
  let headScratch: FloatBuffer
  /// Layer 0's folded table Emb·W_ihᵀ, then its gradient, (V, G·H); empty when folding does
  /// not pay for chunks of this size (``FoldedEmbedding/pays(vocab:rows:)``).
  let foldedTable: FloatBuffer

  /// Buffers for chunks of up to `steps` steps over `batch` streams of a model of `config`.
  public init(config: ModelConfig, steps: Int, batch: Int) {
    precondition(steps >= 1 && batch >= 1)
    self.steps = steps
    self.batch = batch
    self.config = config
    let (T, B, V, E, H, L) = (steps, batch, config.vocabSize, config.embeddingSize, config.hiddenSize, config.layers)
    let G = config.cell.gateCount
    let sizes = config.cell.layerType.chunkBufferSizes(steps: T, batch: B, hidden: H)
    inputs = .allocate(capacity: T * B)
    inputs.initialize(repeating: 0, count: T * B)
    targets = .allocate(capacity: T * B)
    targets.initialize(repeating: -1, count: T * B)
    embedded = FloatBuffer(count: T * B * E)
    gates = (0..<L).map { _ in FloatBuffer(count: sizes.gates) }
    hiddenGates = (0..<L).map { _ in FloatBuffer(count: sizes.hiddenGates) }
    hiddenStates = (0..<L).map { _ in FloatBuffer(count: (T + 1) * B * H) }
    cellStates = (0..<L).map { _ in FloatBuffer(count: sizes.cellStates) }
    dropoutMasks = (0..<L).map { k in FloatBuffer(count: k > 0 ? T * B * H : 0) }
    droppedInputs = (0..<L).map { k in FloatBuffer(count: k > 0 ? T * B * H : 0) }
    logits = FloatBuffer(count: T * B * V)
    hiddenGradients = Array(repeating: FloatBuffer(count: T * B * H), count: L)
    embeddedGradient = FloatBuffer(count: T * B * E)
    gateGradients = FloatBuffer(count: sizes.gateGradients)
    hiddenGateGradients = FloatBuffer(count: sizes.hiddenGateGradients)
    cellGradient = FloatBuffer(count: B * H)
    combinedBias = FloatBuffer(count: G * H)
    let packedMemory = PackedWeightsMemory()
    recurrentWeights = Array(
      repeating: PackedWeights(rows: G * H, columns: H, form: .transposed, memory: packedMemory), count: L)
    recurrentWeightsBackward = Array(
      repeating: PackedWeights(rows: G * H, columns: H, form: .plain, memory: packedMemory), count: L)
    foldedTable = FloatBuffer(count: FoldedEmbedding.pays(vocab: V, rows: T * B) ? V * G * H : 0)
    extraScratch = FloatBuffer(count: Self.extraScratchCount(config: config, steps: T, batch: B))
    headWeights = PackedWeights(rows: V, columns: H, form: .transposed)
    headWeightsBackward = PackedWeights(rows: V, columns: H, form: .plain)
    headScratch = FloatBuffer(count: Self.headScratchCount(config: config))
  }

  /// Floats of ``headScratch`` for the current thread count.
  static func headScratchCount(config: ModelConfig) -> Int {
    OutputHead.scratchCount(hidden: config.hiddenSize, vocab: config.vocabSize, threads: Parallelism.threads)
  }

  /// Floats of ``extraScratch`` for the current thread count.
  static func extraScratchCount(config: ModelConfig, steps T: Int, batch B: Int) -> Int {
    let needed = scratchFloatCount(config: config, threads: Parallelism.threads)
    return needed > T * B * config.hiddenSize ? needed : 0
  }

  deinit {
    inputs.deallocate()
    targets.deallocate()
  }

  /// The top layer's outputs h_1 … h_T, (T, B, H).
  var topOutputs: UnsafeMutablePointer<Float> {
    hiddenStates[config.layers - 1].pointer + batch * config.hiddenSize
  }

  /// Scratch for the recurrent layers' weight gradients' split over the rows of a chunk
  /// (``addTransposedProduct(m:n:k:a:lda:b:ldb:c:ldc:scratch:)``, ``scratchFloatCount``): the
  /// shared ∂loss/∂h buffer (T·B·H floats) where it is large enough, free when a layer's chunk
  /// gradients run (its recurrence has consumed its ∂loss/∂h; they write ∂loss/∂input after);
  /// else ``extraScratch``.
  var gradientScratch: UnsafeMutableBufferPointer<Float> {
    let buffer = extraScratch.count > 0 ? extraScratch : hiddenGradients[0]
    return UnsafeMutableBufferPointer(start: buffer.pointer, count: buffer.count)
  }

  /// Floats the recurrent layers' weight gradients' split over `threads` needs: (threads − 1)
  /// partial sums of the largest weight, W_ih / W_hh (G·H, E or H). 0 on one thread.
  static func scratchFloatCount(config: ModelConfig, threads: Int) -> Int {
    let (E, H, G) = (config.embeddingSize, config.hiddenSize, config.cell.gateCount)
    return max(threads - 1, 0) * G * H * max(E, H)
  }

  // MARK: - Dropout masks

  /// The dropout mask on layer k's input (the output of layer k − 1), (T, B, H), for
  /// 1 ≤ k < L. ``drawDropoutMasks(probability:generator:)`` fills it; tests may write their own.
  public func dropoutMask(layer k: Int) -> UnsafeMutablePointer<Float> {
    precondition(k >= 1 && k < config.layers, "layer 0's input (the embedding) is never dropped")
    return dropoutMasks[k].pointer
  }

  /// Draws fresh inverted-dropout masks (0 with probability p, else 1/(1 − p)) for the inputs
  /// of layers 1 … L−1, all T·B·H entries of each, layer by layer, from `generator`.
  public func drawDropoutMasks(probability p: Float, generator: inout SeededGenerator) {
    for k in 1..<max(config.layers, 1) {
      Dropout.drawMask(dropoutMasks[k].pointer, count: dropoutMasks[k].count, probability: p, generator: &generator)
    }
  }
}

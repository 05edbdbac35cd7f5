import Kernels
import TestSupport
import Testing

@testable import Modeling

/// Finite-difference checks for each layer on its own (the whole model is checked in
/// LanguageModelTests): the LSTM layer over several steps from a non-zero carried state, the
/// output head with the loss, and the embedding. Each layer's output is reduced to a scalar
/// loss Σ w ⊙ output with fixed random weights w, so its backward receives ∂loss/∂output = w.
///
/// Float32 central differences with eps = 1e-2: truncation ~1e-4·f''' and rounding ~1e-7/eps;
/// tolerance 2e-2 of max(|value|, 1e-2). The tight checks are against the Double reference.
@Suite struct LayerGradientTests {
  static let config = ModelConfig(vocabSize: 6, embeddingSize: 4, hiddenSize: 5, layers: 1)
  let T = 4, B = 2

  func random(_ n: Int, _ rng: inout SeededGenerator, scale: Float = 1) -> FloatBuffer {
    FloatBuffer((0..<n).map { _ in rng.nextStandardNormal() * scale })
  }

  /// Central differences of `loss` with respect to every element of `buffer`.
  func numeric(_ buffer: FloatBuffer, range: Range<Int>, eps: Float = 1e-2, _ loss: () -> Double) -> [Double] {
    range.map { i in
      let original = buffer[i]
      buffer[i] = original + eps
      let plus = loss()
      buffer[i] = original - eps
      let minus = loss()
      buffer[i] = original
      return (plus - minus) / Double(2 * eps)
    }
  }

  @Test("LSTM layer: W_ih, W_hh, both biases, the input, h0 and c0")
  func lstmLayer() {
    var rng = SeededGenerator(seed: 11)
    let model = LanguageModel(config: Self.config, generator: &rng)
    let (E, H, layout) = (Self.config.embeddingSize, Self.config.hiddenSize, model.layout)
    let layer = LSTMLayer(index: 0, inputSize: E, hidden: H, slots: layout.layers[0])
    let ws = Workspace(config: Self.config, steps: T, batch: B)
    let input = random(T * B * E, &rng)
    let h0 = random(B * H, &rng, scale: 0.5)
    let c0 = random(B * H, &rng, scale: 0.5)
    let w = random(T * B * H, &rng)

    func loss() -> Double {
      let state = RecurrentState(config: Self.config, batch: B)
      state.h.copy(from: h0)
      state.c.copy(from: c0)
      layer.forward(
        parameters: model.parameters, layout: layout, input: .rows(input.pointer), steps: T, state: state, workspace: ws
      )
      let out = ws.hiddenStates[0].pointer + B * H
      return (0..<(T * B * H)).reduce(0.0) { $0 + Double(w[$1]) * Double(out[$1]) }
    }
    _ = loss()
    ws.hiddenGradients[0].copy(from: w)
    let grads = model.makeParameterShapedBuffer()
    let inputGradient = FloatBuffer(count: T * B * E)
    let stateGradient = RecurrentState(config: Self.config, batch: B)
    layer.backward(
      parameters: model.parameters, layout: layout, gradients: grads, input: .rows(input.pointer),
      inputGradient: inputGradient.pointer, steps: T, workspace: ws, stateGradient: stateGradient)

    let slots = layout.layers[0]
    for index in [slots.weightIH, slots.weightHH, slots.biasIH, slots.biasHH] {
      let slot = layout.slots[index]
      let analytic = (0..<slot.count).map { Double(grads.pointer(to: slot)[$0]) }
      expectClose(
        analytic, numeric(model.parameters, range: slot.offset..<(slot.offset + slot.count), loss),
        tolerance: 2e-2, floor: 1e-2, slot.name)
    }
    expectClose(
      inputGradient.array.map(Double.init), numeric(input, range: 0..<input.count, loss), tolerance: 2e-2, floor: 1e-2,
      "input")
    expectClose(
      stateGradient.h.array.map(Double.init), numeric(h0, range: 0..<h0.count, loss), tolerance: 2e-2, floor: 1e-2, "h0"
    )
    expectClose(
      stateGradient.c.array.map(Double.init), numeric(c0, range: 0..<c0.count, loss), tolerance: 2e-2, floor: 1e-2, "c0"
    )
  }

  @Test("output head with softmax cross-entropy: head.weight, head.bias and the head's input")
  func outputHeadAndLoss() {
    var rng = SeededGenerator(seed: 12)
    let model = LanguageModel(config: Self.config, generator: &rng)
    let (H, V, N, layout) = (Self.config.hiddenSize, Self.config.vocabSize, T * B, model.layout)
    let ws = Workspace(config: Self.config, steps: T, batch: B)
    let top = random(N * H, &rng)
    let logits = FloatBuffer(count: N * V)
    let targets = (0..<N).map { Int32($0 % V) }
    func loss() -> Double {
      let (nats, scored) = targets.withUnsafeBufferPointer {
        OutputHead.loss(
          parameters: model.parameters, layout: layout, weights: ws.headWeights, top: top.pointer,
          targets: $0.baseAddress!, rows: N, hidden: H, vocab: V, logits: logits.pointer, rowNats: nil)
      }
      return nats / Double(scored)
    }
    let grads = model.makeParameterShapedBuffer()
    let topGradient = FloatBuffer(count: N * H)
    let (nats, scored) = targets.withUnsafeBufferPointer {
      OutputHead.lossAndGradient(
        parameters: model.parameters, layout: layout, gradients: grads, weights: ws.headWeights,
        weightsBackward: ws.headWeightsBackward, top: top.pointer, targets: $0.baseAddress!, rows: N, hidden: H,
        vocab: V, logits: logits.pointer, topGradient: topGradient.pointer,
        scratch: UnsafeMutableBufferPointer(start: ws.headScratch.pointer, count: ws.headScratch.count))
    }
    #expect(scored == N)
    expectClose([nats / Double(scored)], [loss()], tolerance: 1e-6, floor: 1, "loss")
    for index in [layout.headWeight, layout.headBias] {
      let slot = layout.slots[index]
      let analytic = (0..<slot.count).map { Double(grads.pointer(to: slot)[$0]) }
      expectClose(
        analytic, numeric(model.parameters, range: slot.offset..<(slot.offset + slot.count), loss),
        tolerance: 2e-2, floor: 1e-2, slot.name)
    }
    expectClose(
      topGradient.array.map(Double.init), numeric(top, range: 0..<top.count, loss), tolerance: 2e-2, floor: 1e-2,
      "head input")
  }

  @Test("embedding: every row, including ids used twice and ids not used")
  func embedding() {
    var rng = SeededGenerator(seed: 13)
    let (V, E, N) = (Self.config.vocabSize, Self.config.embeddingSize, 7)
    let weight = random(V * E, &rng)
    let ids: [Int32] = [0, 2, 2, 5, 1, 0, 2]  // id 3 and 4 unused: zero gradient
    let w = random(N * E, &rng)
    let output = FloatBuffer(count: N * E)
    func loss() -> Double {
      ids.withUnsafeBufferPointer {
        Embedding.forward(weight: weight.pointer, ids: $0.baseAddress!, count: N, width: E, output: output.pointer)
      }
      return (0..<(N * E)).reduce(0.0) { $0 + Double(w[$1]) * Double(output[$1]) }
    }
    let gradient = FloatBuffer(count: V * E)
    ids.withUnsafeBufferPointer {
      Embedding.backward(
        outputGradient: w.pointer, ids: $0.baseAddress!, count: N, width: E, weightGradient: gradient.pointer)
    }
    expectClose(
      gradient.array.map(Double.init), numeric(weight, range: 0..<weight.count, loss), tolerance: 2e-2, floor: 1e-2,
      "embedding.weight")
  }
}

import Kernels
import TestSupport
import Testing

@testable import Modeling

/// The fast model against PyTorch: one chunk of `lstm-golden.json`, `gru-golden.json` and
/// `rnn-golden.json` (V7 E5 H6 L2, T4 B3, non-zero initial state), comparing logits, loss, final
/// state and every gradient by name. GRU/RNN fixtures hold zeros for the cell state, which those
/// cells leave untouched (and whose gradient is 0).
@Suite struct GoldenTests {
  @Test("the PyTorch fixture's logits, loss, final state and every gradient", arguments: LSTMGolden.fixtureNames)
  func forwardBackwardMatchesPyTorch(fixture: String) throws {
    let golden = try LSTMGolden.load(fixture)
    try #require(golden.modelConfig.cell.rawValue == golden.cell ?? "lstm")
    let model = try golden.model()
    let (T, B) = (golden.config.T, golden.config.B)
    let state = try golden.state(h: golden.h0, c: golden.c0)
    let ws = Workspace(config: model.config, steps: T, batch: B)
    golden.load(inputs: golden.inputs.values, targets: golden.targets.values, into: ws)

    // Logits first (forwardBackward overwrites them with probabilities, then gradients).
    model.forward(steps: T, state: state.clone(), workspace: ws)
    // Forward outputs: torch and the float64 re-implementation agree to 9e-8 (float64_check);
    // ours adds BLAS's and FastMath's Float rounding. 1e-5 absolute (floor 1, values < 1).
    // Measured worst: 6.0e-8 (logits), 0 (loss: bit-identical), 9.1e-8 (hT), 1.3e-7 (cT).
    // GRU: 6.0e-8 (logits), 0 (loss), 6.0e-8 (hT). RNN: 8.9e-8, 1.2e-7, 1.2e-7.
    expectClose(ws.logits.array, golden.logits.values.map(Double.init), tolerance: 1e-5, floor: 1, "logits")

    let gradients = model.makeParameterShapedBuffer()
    let stateGradient = RecurrentState(config: model.config, batch: B)
    let loss = model.forwardBackward(
      steps: T, state: state, workspace: ws, gradients: gradients, stateGradient: stateGradient)
    expectClose([loss], [Double(golden.loss)], tolerance: 1e-5, floor: 1, "loss")
    expectClose(state.h.array, golden.hT.values.map(Double.init), tolerance: 1e-5, floor: 1, "hT")
    expectClose(state.c.array, golden.cT.values.map(Double.init), tolerance: 1e-5, floor: 1, "cT")

    // Gradients: 1e-4 relative, floor 1e-3 (absolute 1e-7 on small entries). The largest
    // gradients are ~0.2 (head.bias), most are 1e-3…1e-2; torch's own float32 error is ~5e-9
    // (float64_check). Measured worst: 3.6e-6 scaled (head.weight, |Δ| = 1.7e-8); 1.3e-6 for
    // the recurrent weights; 5.5e-7 / 5.8e-7 for ∂h0 / ∂c0. GRU: 7.1e-6 (head.weight), 9.3e-7
    // (∂h0); RNN: 8.5e-6 (head.weight), 1.5e-6 (∂h0).
    for slot in model.layout.slots {
      let expected = try #require(golden.gradients[slot.name], "fixture lacks the gradient of \(slot.name)")
      let p = gradients.pointer(to: slot)
      expectClose(
        (0..<slot.count).map { p[$0] }, expected.values.map(Double.init), tolerance: 1e-4, floor: 1e-3, slot.name)
    }
    expectClose(
      stateGradient.h.array, try #require(golden.gradients["h0"]).values.map(Double.init), tolerance: 1e-4, floor: 1e-3,
      "∂h0")
    expectClose(
      stateGradient.c.array, try #require(golden.gradients["c0"]).values.map(Double.init), tolerance: 1e-4, floor: 1e-3,
      "∂c0")
  }

  @Test("the fixture's names and shapes are ParameterLayout's, in order", arguments: LSTMGolden.fixtureNames)
  func layoutMatchesFixture(fixture: String) throws {
    let golden = try LSTMGolden.load(fixture)
    let layout = ParameterLayout(config: golden.modelConfig)
    #expect(layout.slots.map(\.name) == golden.parameterNames)
    for slot in layout.slots { #expect(golden.parameters[slot.name]?.shape == slot.shape, "\(slot.name)") }
  }
}

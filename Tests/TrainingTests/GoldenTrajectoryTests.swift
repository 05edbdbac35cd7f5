import Kernels
import Modeling
import TestSupport
import Testing
import Training

/// Five steps of truncated BPTT with global-norm clipping and Adam against PyTorch
/// (`lstm-golden.json`, `gru-golden.json`, `rnn-golden.json`, `trajectory`): per-step loss and pre-clip norm, the parameters after
/// the first step, the final parameters and the final carried state.
@Suite struct GoldenTrajectoryTests {
  @Test("5-step clipped-Adam trajectory matches PyTorch", arguments: LSTMGolden.fixtureNames)
  func trajectoryMatchesPyTorch(fixture: String) throws {
    let golden = try LSTMGolden.load(fixture)
    let run = golden.trajectory
    let model = try golden.model()
    let (T, B) = (golden.config.T, golden.config.B)
    let chunk = T * B
    try #require(run.inputs.shape == [run.steps, T, B] && run.targets.shape == [run.steps, T, B])
    let state = try golden.state(h: golden.h0, c: golden.c0)
    let ws = Workspace(config: model.config, steps: T, batch: B)
    let gradients = model.makeParameterShapedBuffer()
    let adam = Adam(
      count: model.layout.totalCount, learningRate: Float(run.optimizer.lr), beta1: Float(run.optimizer.beta1),
      beta2: Float(run.optimizer.beta2), epsilon: Float(run.optimizer.eps))

    for step in 0..<run.steps {
      let range = (step * chunk)..<((step + 1) * chunk)
      golden.load(inputs: run.inputs.values[range], targets: run.targets.values[range], into: ws)
      // The state carries over from the previous chunk (detached: forwardBackward does not
      // differentiate through it unless asked).
      let loss = model.forwardBackward(steps: T, state: state, workspace: ws, gradients: gradients)
      let norm = GradientClipping.clip(gradients, maxNorm: Float(run.clip))
      // Losses and norms: torch vs float64 differ by 3e-7 / 2e-8 (float64_check); 1e-5
      // relative. Measured worst: 1.2e-7 (losses), 1.0e-7 (norms); GRU 6.3e-8, 2.0e-7;
      // RNN 1.0e-7, 1.3e-7.
      expectClose([loss], [Double(run.losses[step])], tolerance: 1e-5, floor: 1, "loss of step \(step)")
      expectClose([norm], [Double(run.gradNorms[step])], tolerance: 1e-5, "pre-clip norm of step \(step)")
      #expect((norm > Float(run.clip)) == run.clipped[step], "step \(step): clipped should be \(run.clipped[step])")
      adam.update(parameters: model.parameters, gradients: gradients)
      #expect(adam.step == step + 1)
      if step == 0 {
        Self.expectParameters(golden.split(model.parameters), run.parametersAfterStep1, "after step 1")
      }
    }
    Self.expectParameters(golden.split(model.parameters), run.finalParameters, "final")
    // The carried state after five chunks of updated parameters. 1e-4 (floor 1) like the
    // parameters it depends on. Measured worst: 1.3e-7 (hT), 4.2e-7 (cT); GRU 2.4e-7 (hT);
    // RNN 3.0e-7 (hT).
    expectClose(state.h.array, run.finalHT.values.map(Double.init), tolerance: 1e-4, floor: 1, "final hT")
    expectClose(state.c.array, run.finalCT.values.map(Double.init), tolerance: 1e-4, floor: 1, "final cT")
  }

  /// Parameters by name: 1e-4 with floor 1 (absolute for |p| < 1), the README's suggestion:
  /// Adam divides by √v, so early steps move each parameter by ≈ lr = 0.05 whatever the
  /// gradient's size, and a gradient error becomes a parameter error of up to lr times the
  /// relative error of m/√v. Measured worst: 2.9e-6, after step 1 and at the end, on
  /// rnn.weight_ih_l1[135], whose first gradient (~1e-7) is comparable to ε = 1e-8, so the
  /// step lr·g/(|g| + ε) is sensitive to g's relative error; every other tensor ≤ 4e-7.
  /// GRU: 1.9e-7 (rnn.weight_hh_l0); RNN: 5.0e-7 (head.weight).
  static func expectParameters(
    _ actual: [String: [Float]], _ expected: [String: LSTMGolden.Tensor<Float>], _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(Set(actual.keys) == Set(expected.keys), sourceLocation: sourceLocation)
    for (name, values) in actual.sorted(by: { $0.key < $1.key }) {
      guard let e = expected[name] else { continue }
      expectClose(
        values, e.values.map(Double.init), tolerance: 1e-4, floor: 1, "\(name) \(label)", sourceLocation: sourceLocation
      )
    }
  }
}

import Foundation

/// `lstm-golden.json`, the PyTorch fixture (see `Fixtures/README.md` and the header of
/// `scripts/golden/make_lstm_fixture.py`), decoded with `JSONDecoder` so every float is the
/// exact float32 torch wrote. `gru-golden.json` and `rnn-golden.json`
/// (`scripts/golden/make_cell_fixtures.py`) have the same structure plus a `cell` key; their
/// cell-state tensors are zeros.
public struct LSTMGolden: Decodable, Sendable {
  /// A flat row-major tensor.
  public struct Tensor<Scalar: Decodable & Sendable>: Decodable, Sendable {
    public let shape: [Int]
    public let values: [Scalar]
  }

  /// Sizes: V, E, H, L, and the chunk's T, B.
  public struct Config: Decodable, Sendable {
    public let V: Int, E: Int, H: Int, L: Int, T: Int, B: Int
  }

  /// `torch.optim.Adam`'s settings of the trajectory.
  public struct Optimizer: Decodable, Sendable {
    public let lr: Double, beta1: Double, beta2: Double, eps: Double
  }

  /// The 5-step clipped-Adam run over chunks (K, T, B), state carried.
  public struct Trajectory: Decodable, Sendable {
    public let steps: Int
    /// Max global gradient norm (the decimal torch was given; use `Float(clip)`).
    public let clip: Double
    public let optimizer: Optimizer
    /// (K, T, B).
    public let inputs: Tensor<Int>, targets: Tensor<Int>
    /// Per step: loss before the update, pre-clip norm, whether it clipped, applied coefficient.
    public let losses: [Float], gradNorms: [Float], clipped: [Bool], clipCoefficients: [Float]
    public let parametersAfterStep1: [String: Tensor<Float>]
    public let finalParameters: [String: Tensor<Float>]
    /// (L, B, H).
    public let finalHT: Tensor<Float>, finalCT: Tensor<Float>

    enum CodingKeys: String, CodingKey {
      case steps, clip, optimizer, inputs, targets, losses, clipped
      case gradNorms = "grad_norms"
      case clipCoefficients = "clip_coefficients"
      case parametersAfterStep1 = "parameters_after_step_1"
      case finalParameters = "final_parameters"
      case finalHT = "final_hT"
      case finalCT = "final_cT"
    }
  }

  /// `lstm`, `gru` or `rnn` (absent in lstm-golden.json: LSTM).
  public let cell: String?
  public let config: Config
  /// Parameter names in the file's (and ParameterLayout's) order.
  public let parameterNames: [String]
  public let parameters: [String: Tensor<Float>]
  /// (T, B) ids.
  public let inputs: Tensor<Int>, targets: Tensor<Int>
  /// (L, B, H).
  public let h0: Tensor<Float>, c0: Tensor<Float>
  /// (T, B, V).
  public let logits: Tensor<Float>
  /// Mean cross-entropy, nats.
  public let loss: Float
  /// (L, B, H) after the chunk.
  public let hT: Tensor<Float>, cT: Tensor<Float>
  /// ∂loss/∂x for every parameter name, plus "h0" and "c0".
  public let gradients: [String: Tensor<Float>]
  public let trajectory: Trajectory

  enum CodingKeys: String, CodingKey {
    case cell, config, parameters, inputs, targets, h0, c0, logits, loss, hT, cT, gradients, trajectory
    case parameterNames = "parameter_names"
  }

  /// The three fixtures, one per cell.
  public static let fixtureNames = ["lstm-golden.json", "gru-golden.json", "rnn-golden.json"]

  /// Loads a shared fixture; throws if it is missing or malformed (rerun
  /// `python3 scripts/golden/make_lstm_fixture.py --check-only` to diagnose).
  public static func load(_ name: String = "lstm-golden.json") throws -> LSTMGolden {
    let data = try Data(contentsOf: URL(fileURLWithPath: SharedFixtures.path(name)))
    return try JSONDecoder().decode(LSTMGolden.self, from: data)
  }
}

/// How the next symbol is drawn from the model's distribution.
///
/// Filters combine as in Hugging Face's `generate`: temperature, then top-k, then top-p.
public struct SamplingOptions: Sendable, Equatable {
  /// Divides the logits; 1 samples the model's distribution, lower is more conservative,
  /// 0 always takes the most likely symbol (greedy).
  public var temperature: Float
  /// Keep only the k most likely symbols (0 or ≥ V: no limit).
  public var topK: Int
  /// Keep the smallest set of most likely symbols whose probability reaches p (1: no limit).
  public var topP: Float

  /// Options; the defaults sample the model's own distribution.
  public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1) {
    precondition(temperature >= 0 && topK >= 0 && topP > 0 && topP <= 1)
    self.temperature = temperature
    self.topK = topK
    self.topP = topP
  }
}

/// How the next symbol is drawn from the model's distribution.
///
/// Filters combine as in Hugging Face's `generate`: the repetition penalty (on the raw logits),
/// then temperature, top-k, top-p and min-p.
public struct SamplingOptions: Sendable, Equatable {
  /// Divides the logits; 1 samples the model's distribution, lower is more conservative,
  /// 0 always takes the most likely symbol (greedy).
  public var temperature: Float
  /// Keep only the k most likely symbols (0 or ≥ V: no limit).
  public var topK: Int
  /// Keep the smallest set of most likely symbols whose probability reaches p (1: no limit).
  public var topP: Float
  /// Keep only the symbols whose probability is at least minP × the largest (llama.cpp's min-p;
  /// 0: no limit).
  public var minP: Float
  /// Hugging Face's repetition penalty: the logit of a symbol already in the text (prime or
  /// generated) is divided by it when positive, multiplied when negative (1: off).
  public var repetitionPenalty: Float

  /// Options; the defaults sample the model's own distribution.
  public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0, repetitionPenalty: Float = 1) {
    precondition(temperature >= 0 && topK >= 0 && topP > 0 && topP <= 1)
    precondition(minP >= 0 && minP <= 1 && repetitionPenalty > 0 && repetitionPenalty.isFinite)
    self.temperature = temperature
    self.topK = topK
    self.topP = topP
    self.minP = minP
    self.repetitionPenalty = repetitionPenalty
  }
}

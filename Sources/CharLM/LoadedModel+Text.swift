import Foundation
import Sampling
import Tokenization
import Training

extension LoadedModel {
  /// The ids to feed for `prime` in the model's tokenizer (a newline when it has no known
  /// symbol), and the prime's symbols the model does not know (skipped), by count.
  public func primeIDs(_ prime: String) throws(TokenizationError) -> (ids: [Int], unknown: [String: Int]) {
    let encoded = try tokenizer.encode(prime, as: UInt32.self)
    var ids = encoded.ids.map(Int.init)
    if ids.isEmpty { ids = [tokenizer.vocabulary.id(of: "\n") ?? 0] }
    return (ids, encoded.unknownSymbols)
  }

  /// A generation request in this model's terms: `streams` continuations of `prime`, the
  /// unknown symbol excluded.
  public func generation(
    prime: String, length: Int, streams: Int = 1, seed: UInt64 = 1, options: SamplingOptions = SamplingOptions(),
    deadline: ContinuousClock.Instant? = nil
  ) throws(TokenizationError) -> Generation {
    Generation(
      prime: try primeIDs(prime).ids, streams: streams, length: length, seed: seed, options: options,
      excluded: tokenizer.unknownID, deadline: deadline)
  }

  /// Generates up to `length` symbols after `prime` (not repeated), calling `onText` with each
  /// symbol's text as it is drawn; `onText` may end the text early (``Generation/Decision``).
  public func generate(
    prime: String, length: Int, seed: UInt64 = 1, options: SamplingOptions = SamplingOptions(),
    onText: (String) -> Generation.Decision
  ) throws(TokenizationError) {
    try generation(prime: prime, length: length, seed: seed, options: options).run(model: model) { _, id in
      onText(tokenizer.symbol(for: id))
    }
  }

  /// The same text as an `AsyncSequence` of symbols, drawn as the loop asks for them.
  public func text(
    after prime: String, length: Int, seed: UInt64 = 1, options: SamplingOptions = SamplingOptions()
  ) throws(TokenizationError) -> GeneratedText {
    GeneratedText(
      steps: GenerationSteps(try generation(prime: prime, length: length, seed: seed, options: options), model: model),
      tokenizer: tokenizer)
  }

  /// How well the model predicts `text` (prepared with the model's own settings): every symbol
  /// after the first, each from all the symbols before it, one stream from a zero state.
  public func score(_ text: [UInt8], source: String = "the text") throws(TokenizationError) -> TextScore {
    try score(text, source: source, perLine: false).score
  }

  /// ``score(_:source:)`` of a string.
  public func score(_ text: String) throws(TokenizationError) -> TextScore { try score(Array(text.utf8)) }
}

/// What ``LoadedModel/score(_:source:)`` measured.
public struct TextScore: Sendable {
  /// Total loss over the scored symbols, nats.
  public var nats: Double
  /// Symbols scored (those after the first, less the ones after an unknown symbol that has no id).
  public var symbols: Int
  /// Symbols of the text the model knows (the scored ones come from these).
  public var knownSymbols: Int
  /// Occurrences of symbols the model does not know.
  public var unknownCount: Int
  /// Those symbols, with their counts.
  public var unknownSymbols: [String: Int]

  /// Mean nats per scored symbol.
  public var natsPerSymbol: Double { nats / Double(max(symbols, 1)) }
  /// Mean bits per scored symbol.
  public var bitsPerSymbol: Double { natsPerSymbol / log(2) }
  /// e^(nats per symbol).
  public var perplexity: Double { exp(natsPerSymbol) }
}

/// Generated symbols as an `AsyncSequence` (``LoadedModel/text(after:length:seed:options:)``):
/// each `next()` draws one symbol.
public struct GeneratedText: AsyncSequence {
  let steps: GenerationSteps
  let tokenizer: Tokenizer

  public func makeAsyncIterator() -> Iterator { Iterator(steps: steps, tokenizer: tokenizer) }

  /// Draws the next symbol on the caller's own executor.
  public struct Iterator: AsyncIteratorProtocol {
    let steps: GenerationSteps
    let tokenizer: Tokenizer

    public mutating func next() async -> String? {
      var drawn: Int?
      _ = steps.advance { _, id in
        drawn = id
        return .proceed
      }
      return drawn.map(tokenizer.symbol(for:))
    }
  }
}

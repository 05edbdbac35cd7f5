import Foundation
import Tokenization
import Training

/// One line's share of a text's score (``LoadedModel/score(_:source:perLine:onProgress:)``): the
/// symbols whose target lies in the line (its newline included), each predicted with the state
/// carried from the whole text before it, so the lines' nats add up to the text's.
public struct LineScore: Sendable, Equatable {
  /// The line's number, from 1.
  public var line: Int
  /// Symbols of the line scored (the text's first symbol and those after an unknown symbol that
  /// has no id are not).
  public var symbols: Int
  /// Their total loss, nats.
  public var nats: Double

  /// Mean bits per scored symbol, nil when the line has none.
  public var bitsPerSymbol: Double? { symbols > 0 ? nats / Double(symbols) / log(2) : nil }
}

extension LoadedModel {
  /// ``score(_:source:)``, with each line's share when `perLine` is true (lines end at the
  /// model's newline symbol; a model without one sees a single line), and `onProgress` called
  /// after each chunk with the symbols predicted so far and how many there are in all.
  public func score(
    _ text: [UInt8], source: String, perLine: Bool, onProgress: (_ predicted: Int, _ total: Int) -> Void = { _, _ in }
  ) throws(TokenizationError) -> (score: TextScore, lines: [LineScore]) {
    let encoded = try tokenizer.encode(tokenizer.prepare(text, source: source), as: UInt32.self)
    let ids = encoded.ids
    var perTarget = perLine ? [Double](repeating: 0, count: ids.count) : []
    // Fewer than two known symbols: nothing to predict.
    let (nats, scored) =
      ids.count < 2
      ? (0, 0)
      : perTarget.withUnsafeMutableBufferPointer { buffer in
        Evaluation.score(
          model: model, ids: .wide(ids), skippedTargets: encoded.omittedBefore,
          targetNats: perLine ? buffer : nil, onChunk: { onProgress($0, ids.count - 1) })
      }
    let score = TextScore(
      nats: nats, symbols: scored, knownSymbols: ids.count, unknownCount: encoded.unknownCount,
      unknownSymbols: encoded.unknownSymbols)
    guard perLine, !ids.isEmpty else { return (score, []) }
    let newline = tokenizer.vocabulary.id(of: "\n").map(UInt32.init)
    var skipped = Set(encoded.omittedBefore)
    skipped.insert(0)
    var lines = [LineScore(line: 1, symbols: 0, nats: 0)]
    for (i, id) in ids.enumerated() {
      if !skipped.contains(i) {
        lines[lines.count - 1].symbols += 1
        lines[lines.count - 1].nats += perTarget[i]
      }
      if id == newline && i + 1 < ids.count { lines.append(LineScore(line: lines.count + 1, symbols: 0, nats: 0)) }
    }
    return (score, lines)
  }
}

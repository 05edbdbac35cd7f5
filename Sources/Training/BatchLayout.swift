/// B contiguous streams over a split, read in chunks of T steps, as char-rnn's loader does.
///
/// For a split of N symbols, each stream has S = (N − 1) / B positions: stream b reads inputs
/// ids[b·S + j] and targets ids[b·S + j + 1] for j in 0..<S. Chunk k covers j in k·T ..< k·T + T.
/// Hidden state carries from chunk k to k + 1 (stream b continues where it stopped); the last
/// (N − 1) mod B symbols of the split are never read.
public struct BatchLayout: Sendable, Equatable {
  /// Symbols in the split (N).
  public let symbols: Int
  /// Streams (B).
  public let batch: Int
  /// Steps per chunk (T).
  public let steps: Int

  /// A layout; check ``streamLength`` before use.
  public init(symbols: Int, batch: Int, steps: Int) {
    precondition(batch >= 1 && steps >= 1)
    self.symbols = symbols
    self.batch = batch
    self.steps = steps
  }

  /// Positions per stream (S).
  public var streamLength: Int { max(symbols - 1, 0) / batch }
  /// Whole chunks per pass over the split (K = S / T): the training epoch.
  public var fullChunks: Int { streamLength / steps }
  /// Chunks covering every position, the last one possibly shorter (validation).
  public var coveringChunks: Int { (streamLength + steps - 1) / steps }

  /// Steps in chunk k when every position is covered (T, or fewer for the last chunk).
  public func steps(inChunk k: Int) -> Int { min(steps, streamLength - k * steps) }

  /// Writes chunk k's inputs and targets, (T, B) row-major, for its first `stepCount` steps.
  public func fill(
    chunk k: Int, stepCount: Int, from ids: TokenIDs,
    inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>
  ) {
    let S = streamLength
    for t in 0..<stepCount {
      for b in 0..<batch {
        let position = b * S + k * steps + t
        inputs[t * batch + b] = ids[position]
        targets[t * batch + b] = ids[position + 1]
      }
    }
  }
}

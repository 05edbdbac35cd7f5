import Kernels
import Modeling

/// Generation at the id level: N streams continue one prime, each drawing its random numbers
/// from its own seed, until `length` symbols, a deadline, or the caller's stop check.
///
/// The streams run in one batch (``BatchGenerator``: matrix–vector products for one stream,
/// one matrix product per weight for more). Stream i draws from `SeededGenerator(seed: seed + i)`,
/// so stream i of a batch gives the same symbols as a one-stream run with seed + i.
public struct Generation: Sendable {
  /// Ids fed before the first draw (at least one).
  public var prime: [Int]
  /// N: streams, each an independent continuation of the prime.
  public var streams: Int
  /// Most symbols to draw per stream.
  public var length: Int
  /// Stream i's random numbers come from `SeededGenerator(seed: seed + i)`.
  public var seed: UInt64
  /// How each symbol is drawn.
  public var options: SamplingOptions
  /// An id never to draw (the tokenizer's unknown symbol), or nil.
  public var excluded: Int?
  /// No symbol is drawn after this instant (checked before each step), or nil: no limit.
  public var deadline: ContinuousClock.Instant?

  /// A request; `prime` must not be empty.
  public init(
    prime: [Int], streams: Int = 1, length: Int, seed: UInt64, options: SamplingOptions = SamplingOptions(),
    excluded: Int? = nil, deadline: ContinuousClock.Instant? = nil
  ) {
    precondition(!prime.isEmpty && streams >= 1 && length >= 0)
    self.prime = prime
    self.streams = streams
    self.length = length
    self.seed = seed
    self.options = options
    self.excluded = excluded
    self.deadline = deadline
  }

  /// What the caller says after each symbol: go on, or end this stream here.
  public enum Decision: Sendable {
    /// Keep drawing for this stream.
    case proceed
    /// End this stream (its symbol is kept): a stop string was reached, or enough was read.
    case stop
  }

  /// Runs the streams on `model`, calling `emit(stream, id)` for each drawn symbol, in stream
  /// order within a step, as soon as it is drawn.
  ///
  /// - Returns: for each stream, whether it was ended by `emit` (else by length or deadline).
  @discardableResult
  public func run(model: LanguageModel, emit: (_ stream: Int, _ id: Int) -> Decision) -> [Bool] {
    let steps = GenerationSteps(self, model: model)
    while steps.advance(emit: emit) {}
    return steps.stopped
  }
}

/// A ``Generation`` in progress, advanced one step at a time: ``Generation/run(model:emit:)``
/// drives it to the end; a caller that pulls symbols (an `AsyncSequence`) steps it itself.
/// Holds the streams' state, their random generators and their last symbols.
public final class GenerationSteps {
  /// The request.
  public let generation: Generation
  /// For each stream, whether `emit` has ended it.
  public private(set) var stopped: [Bool]
  let batch: BatchGenerator
  /// The request's fields the loop reads, kept apart: copying the whole ``Generation`` per step
  /// (its arrays and optionals) showed in a profile of a small model's sampling.
  let streams: Int, length: Int, vocab: Int, options: SamplingOptions, excluded: Int?
  let deadline: ContinuousClock.Instant?
  var rngs: [SeededGenerator]
  var last: [Int]
  var running: Int
  var step = 0
  var scratch: [Float] = []
  /// (N, V): whether stream b's text (prime and drawn symbols) holds each id; allocated only
  /// for a repetition penalty, so the loop allocates nothing.
  let seen: UnsafeMutablePointer<Bool>?

  /// Feeds the prime to `model`'s streams; nothing is drawn yet.
  public init(_ generation: Generation, model: LanguageModel) {
    let N = generation.streams
    self.generation = generation
    (streams, length, vocab) = (N, generation.length, model.config.vocabSize)
    (options, excluded, deadline) = (generation.options, generation.excluded, generation.deadline)
    batch = BatchGenerator(model: model, batch: N)
    for id in generation.prime { batch.feed(Array(repeating: id, count: N)) }
    rngs = (0..<N).map { SeededGenerator(seed: generation.seed &+ UInt64($0)) }
    stopped = Array(repeating: false, count: N)
    last = Array(repeating: generation.prime.last!, count: N)
    running = N
    let V = model.config.vocabSize
    if generation.options.repetitionPenalty != 1 {
      let seen = UnsafeMutablePointer<Bool>.allocate(capacity: N * V)
      seen.initialize(repeating: false, count: N * V)
      for b in 0..<N { for id in generation.prime where id < V { seen[b * V + id] = true } }
      self.seen = seen
    } else {
      seen = nil
    }
  }

  deinit { seen?.deallocate() }

  /// Draws one symbol for every stream still running, calling `emit(stream, id)` for each.
  /// - Returns: false, drawing nothing, once the length is reached, the deadline has passed or
  ///   every stream has stopped.
  public func advance(emit: (_ stream: Int, _ id: Int) -> Generation.Decision) -> Bool {
    guard step < length, running > 0 else { return false }
    if let deadline, ContinuousClock.now >= deadline { return false }
    if step > 0 { batch.feed(last) }
    for b in 0..<streams where !stopped[b] {
      let id = TokenSampler.sample(
        logits: batch.logits(ofStream: b), vocab: vocab, options: options, excluded: excluded,
        seen: seen.map { UnsafePointer($0 + b * vocab) }, uniform: rngs[b].nextUnitDouble(), scratch: &scratch)
      seen?[b * vocab + id] = true
      last[b] = id
      if emit(b, id) == .stop {
        stopped[b] = true
        running -= 1
      }
    }
    step += 1
    return true
  }
}

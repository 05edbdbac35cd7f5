import ArgumentParser
import Foundation
import Kernels
import Sampling
import Tokenization

/// `charlm sample`: generated text from a model, streamed to standard output.
struct SampleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sample",
    abstract: "Generate text from a trained model.",
    discussion: """
      Prints the prime text, then --length generated symbols, as they are generated. Output is \
      always whole symbols of the model's vocabulary (never a broken character, never the \
      unknown symbol). Without --prime, generation starts after a newline.
      """)

  @Option(help: "Model file written by charlm train.")
  var model: String

  @Option(parsing: .unconditional, help: "Symbols to generate (default 500).")
  var length: Int = 500

  @Option(parsing: .unconditional, help: "Sampling temperature: 1 follows the model, lower is more conservative, 0 is greedy.")
  var temperature: Float = 1

  @Option(parsing: .unconditional, help: "Draw only from the K most likely symbols (0: no limit).")
  var topK: Int = 0

  @Option(parsing: .unconditional, help: "Draw only from the most likely symbols whose probability adds up to P (1: no limit).")
  var topP: Float = 1

  @Option(parsing: .unconditional, help: "Text to continue.")
  var prime: String = ""

  @Option(parsing: .unconditional, help: "Random seed; the same seed gives the same text.", transform: parseSeed)
  var seed: UInt64 = 1

  func validate() throws {
    try check("--length", length, 0...1_000_000_000)
    if !(temperature >= 0 && temperature.isFinite) { throw ValidationError("--temperature must be ≥ 0, in [0, ∞) (got \(temperature))") }
    try check("--top-k", topK, 0...Int.max)
    if !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1] (got \(topP))") }
  }

  func run() throws {
    Parallelism.setThreads(1)  // one symbol at a time: matrix–vector products are too small to share
    let loaded = try LoadedModel(path: model)
    let tokenizer = loaded.tokenizer
    let encoded = try userFacing { try tokenizer.encode(prime, as: UInt32.self) }
    if encoded.unknownCount > 0 {
      let list = encoded.unknownSymbols.keys.sorted().prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
      eprint("charlm: the prime has \(encoded.unknownCount) symbol(s) the model does not know (\(list)); they are skipped")
    }
    let generator = Generator(model: loaded.model)
    var primeIDs = encoded.ids.map(Int.init)
    if primeIDs.isEmpty { primeIDs = [tokenizer.vocabulary.id(of: "\n") ?? 0] }
    for id in primeIDs { generator.feed(id) }

    let output = StreamedOutput()
    output.write(prime)
    let options = SamplingOptions(temperature: temperature, topK: topK, topP: topP)
    var rng = SeededGenerator(seed: seed)
    var scratch: [Float] = []
    let V = loaded.model.config.vocabSize
    for _ in 0..<length {
      let id = TokenSampler.sample(
        logits: generator.logits.pointer, vocab: V, options: options, excluded: tokenizer.unknownID,
        uniform: rng.nextUnitDouble(), scratch: &scratch)
      output.write(tokenizer.symbol(for: id))
      generator.feed(id)
    }
    output.write("\n")
    output.flush()
  }
}

/// Standard output that streams: flushed at each newline and at least every 50 ms, so text
/// appears as it is generated without a system call per symbol.
final class StreamedOutput {
  private var buffer: [UInt8] = []
  private var lastFlush = ContinuousClock.now

  func write(_ text: String) {
    buffer.append(contentsOf: text.utf8)
    if text.contains("\n") || ContinuousClock.now - lastFlush > .milliseconds(50) { flush() }
  }

  func flush() {
    buffer.withUnsafeBufferPointer { p in
      var offset = 0
      while offset < p.count {
        let n = Foundation.write(1, p.baseAddress! + offset, p.count - offset)
        if n <= 0 { break }
        offset += n
      }
    }
    buffer.removeAll(keepingCapacity: true)
    lastFlush = .now
  }
}

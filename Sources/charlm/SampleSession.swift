import Foundation
import Kernels
import Sampling
import Tokenization

/// Generates the continuations of one prime: one stream streamed symbol by symbol through
/// ``Generator``, or N streams in one batched pass through ``BatchGenerator``.
///
/// Every sample ends with a newline; samples are separated by a blank line. Stream i draws its
/// random numbers from `SeededGenerator(seed: seed + i)`.
struct SampleSession {
  let loaded: LoadedModel
  let options: SamplingOptions
  /// Most symbols to generate per sample.
  let length: Int
  /// A sample ends (stop string included) as soon as its text ends with one of these.
  let stops: [String]
  /// Seconds one call of ``generate(prime:printPrime:count:seed:to:)`` may take.
  let maxTime: Double?

  /// Ids to feed for `prime` (a newline when it has no known symbol), warning about unknown symbols.
  func primeIDs(_ prime: String) throws -> [Int] {
    let tokenizer = loaded.tokenizer
    let encoded = try userFacing { try tokenizer.encode(prime, as: UInt32.self) }
    if encoded.unknownCount > 0 {
      let list = encoded.unknownSymbols.keys.sorted().prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
      eprint(
        "charlm: the prime has \(encoded.unknownCount) symbol(s) the model does not know (\(list)); they are skipped")
    }
    var ids = encoded.ids.map(Int.init)
    if ids.isEmpty { ids = [tokenizer.vocabulary.id(of: "\n") ?? 0] }
    return ids
  }

  /// Writes `count` samples continuing `prime` to `output`, each starting with the prime when
  /// `printPrime`.
  func generate(prime: String, printPrime: Bool, count: Int, seed: UInt64, to output: StreamedOutput) throws {
    let ids = try primeIDs(prime)
    let deadline = maxTime.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
    let stopBytes = stops.map { Array($0.utf8) }
    let keep = stopBytes.map(\.count).max() ?? 0
    let tokenizer = loaded.tokenizer
    let V = loaded.model.config.vocabSize
    var scratch: [Float] = []

    /// The last bytes of a sample's text, enough to recognise any stop string.
    struct Tail {
      var bytes: [UInt8]
      let keep: Int
      mutating func append(_ symbol: String) {
        guard keep > 0 else { return }
        bytes.append(contentsOf: symbol.utf8)
        if bytes.count > 2 * keep { bytes.removeFirst(bytes.count - keep) }
      }
      func endsWith(any stops: [[UInt8]]) -> Bool {
        stops.contains { stop in bytes.count >= stop.count && bytes.suffix(stop.count).elementsEqual(stop) }
      }
    }
    let primeTail = Tail(bytes: Array(prime.utf8.suffix(keep)), keep: keep)
    func timeIsUp() -> Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }

    if count == 1 {
      // One stream: matrix–vector products, each symbol written as it is drawn.
      let generator = Generator(model: loaded.model)
      for id in ids { generator.feed(id) }
      if printPrime { output.write(prime) }
      var rng = SeededGenerator(seed: seed)
      var tail = primeTail
      for _ in 0..<length {
        if timeIsUp() { break }
        let id = TokenSampler.sample(
          logits: generator.logits.pointer, vocab: V, options: options, excluded: tokenizer.unknownID,
          uniform: rng.nextUnitDouble(), scratch: &scratch)
        let symbol = tokenizer.symbol(for: id)
        output.write(symbol)
        tail.append(symbol)
        if tail.endsWith(any: stopBytes) { break }
        generator.feed(id)
      }
      output.write("\n")
      output.flush()
      return
    }

    // N streams in one batch: one GEMM per weight and step. A sample is printed as soon as it
    // and every sample before it are finished, so they appear in order.
    let batch = BatchGenerator(model: loaded.model, batch: count)
    for id in ids { batch.feed(Array(repeating: id, count: count)) }
    var rngs = (0..<count).map { SeededGenerator(seed: seed &+ UInt64($0)) }
    var texts = Array(repeating: "", count: count)
    var tails = Array(repeating: primeTail, count: count)
    var finished = Array(repeating: false, count: count)
    var last = Array(repeating: ids.last!, count: count)
    var printed = 0
    func printReady() {
      while printed < count && finished[printed] {
        if printed > 0 { output.write("\n") }
        output.write((printPrime ? prime : "") + texts[printed] + "\n")
        printed += 1
      }
      output.flush()
    }
    for step in 0..<length {
      if timeIsUp() { break }
      if step > 0 { batch.feed(last) }
      for b in 0..<count where !finished[b] {
        let id = TokenSampler.sample(
          logits: batch.logits(ofStream: b), vocab: V, options: options, excluded: tokenizer.unknownID,
          uniform: rngs[b].nextUnitDouble(), scratch: &scratch)
        let symbol = tokenizer.symbol(for: id)
        texts[b] += symbol
        tails[b].append(symbol)
        last[b] = id
        if tails[b].endsWith(any: stopBytes) { finished[b] = true }
      }
      if finished[printed] { printReady() }
      if printed == count { return }
    }
    for b in 0..<count { finished[b] = true }
    printReady()
  }
}

/// `text` with the escapes `\n`, `\t` and `\\` replaced by a newline, a tab and a backslash.
func unescapeStop(_ text: String) -> String {
  var out = ""
  var escaping = false
  for c in text {
    if escaping {
      switch c {
      case "n": out.append("\n")
      case "t": out.append("\t")
      case "\\": out.append("\\")
      default:
        out.append("\\")
        out.append(c)
      }
      escaping = false
    } else if c == "\\" {
      escaping = true
    } else {
      out.append(c)
    }
  }
  if escaping { out.append("\\") }
  return out
}

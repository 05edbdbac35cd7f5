import CharLM
import Foundation
import Sampling
import Tokenization

/// Turns the continuations of one prime (``Generation``, at the id level) into text and prints
/// them.
///
/// Every sample ends with a newline; samples are separated by a blank line, or, with `json`, each
/// is one line of JSON (a blank line cannot separate samples that contain blank lines). Stream i
/// draws its random numbers from `SeededGenerator(seed: seed + i)`.
struct SampleSession {
  let loaded: LoadedModel
  let options: SamplingOptions
  /// Most symbols to generate per sample.
  let length: Int
  /// A sample ends (stop string included) as soon as its text ends with one of these.
  let stops: [String]
  /// Seconds one call of ``generate(prime:printPrime:count:seed:to:)`` may take.
  let maxTime: Double?
  /// Each sample as one JSON object on one line (see ``jsonLine(prime:text:symbols:seed:stopped:)``).
  var json = false

  /// Ids to feed for `prime` (see ``LoadedModel/primeIDs(_:)``), warning about unknown symbols.
  func primeIDs(_ prime: String) throws -> [Int] {
    let (ids, unknown) = try userFacing { try loaded.primeIDs(prime) }
    if !unknown.isEmpty {
      let list = unknown.keys.sorted().prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
      eprint(
        "charlm: the prime has \(unknown.values.reduce(0, +)) symbol(s) the model does not know (\(list)); they are skipped"
      )
    }
    return ids
  }

  /// Writes `count` samples continuing `prime` to `output`, each starting with the prime when
  /// `printPrime`. One sample is written symbol by symbol as it is drawn; of several, each is
  /// written as soon as it and every sample before it are finished, so they appear in order.
  func generate(prime: String, printPrime: Bool, count: Int, seed: UInt64, to output: StreamedOutput) throws {
    let ids = try primeIDs(prime)
    let primeTail = StopTail(of: prime, stops: stops)
    let tokenizer = loaded.tokenizer
    let generation = Generation(
      prime: ids, streams: count, length: length, seed: seed, options: options, excluded: tokenizer.unknownID,
      deadline: maxTime.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) })
    var texts = Array(repeating: "", count: count)  // the generated symbols, without the prime
    var tails = Array(repeating: primeTail, count: count)
    var finished = Array(repeating: false, count: count)
    var symbols = Array(repeating: 0, count: count)
    var stopped = Array(repeating: false, count: count)
    var printed = 0
    // One sample streams symbol by symbol, as text; several, or JSON, print each when it is done.
    let streams = count == 1 && !json
    func printReady() {
      while printed < count && finished[printed] {
        if json {
          output.write(
            Self.jsonLine(
              prime: prime, text: texts[printed],
              symbols: symbols[printed], seed: seed &+ UInt64(printed), stopped: stopped[printed],
              complete: symbols[printed] == length) + "\n")
        } else {
          if printed > 0 { output.write("\n") }
          output.write((printPrime ? prime : "") + texts[printed] + "\n")
        }
        printed += 1
      }
      output.flush()
    }
    if streams && printPrime { output.write(prime) }
    generation.run(model: loaded.model) { b, id in
      let symbol = tokenizer.symbol(for: id)
      symbols[b] += 1
      if streams { output.write(symbol) } else { texts[b] += symbol }
      guard tails[b].append(symbol) else { return .proceed }
      (finished[b], stopped[b]) = (true, true)
      if !streams { printReady() }
      return .stop
    }
    if streams {
      output.write("\n")
      output.flush()
      return
    }
    for b in 0..<count { finished[b] = true }
    printReady()
  }

  /// One sample as a line of JSON: the prime, the generated `text` (without the prime), its
  /// symbols, the seed that repeats it alone, and why it ended: "stop" (a --stop string),
  /// "length" (`complete`: --length symbols) or "time" (--max-time).
  static func jsonLine(
    prime: String, text: String, symbols: Int, seed: UInt64, stopped: Bool, complete: Bool
  ) -> String {
    JSONOutput.line([
      "prime": prime, "text": text, "symbols": symbols, "seed": seed,
      "stop": stopped ? "stop" : complete ? "length" : "time",
    ])
  }
}

/// The last bytes of a sample's text, enough to recognise any stop string.
struct StopTail {
  private var bytes: [UInt8]
  private let stops: [[UInt8]]
  private let keep: Int

  /// The tail of `text` (e.g. the prime) watching for `stops`.
  init(of text: String, stops: [String]) {
    self.stops = stops.map { Array($0.utf8) }
    keep = self.stops.map(\.count).max() ?? 0
    bytes = Array(text.utf8.suffix(keep))
  }

  /// Appends a symbol; true when the text now ends with one of the stop strings.
  mutating func append(_ symbol: String) -> Bool {
    guard keep > 0 else { return false }
    bytes.append(contentsOf: symbol.utf8)
    if bytes.count > 2 * keep { bytes.removeFirst(bytes.count - keep) }
    return stops.contains { stop in bytes.count >= stop.count && bytes.suffix(stop.count).elementsEqual(stop) }
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

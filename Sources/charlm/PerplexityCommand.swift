import ArgumentParser
import Foundation
import Kernels
import Tokenization
import Training

/// `charlm perplexity`: how well a model predicts a text file.
struct PerplexityCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "perplexity",
    abstract: "Measure a model's bits per character and perplexity on a text file.",
    discussion: """
      Every symbol after the first is predicted from all the symbols before it (one stream from \
      a zero state), with the model's own tokenizer settings. Symbols the model has never seen \
      are counted and reported; without an unknown symbol in the vocabulary they are left out, \
      and the symbol after each of them is not scored.
      """)

  @Option(help: "Model file written by charlm train.")
  var model: String

  @Argument(help: "UTF-8 text to score.", completion: .file())
  var file: String

  @Option(parsing: .unconditional, help: "Threads for the math (default: all cores).")
  var threads: Int?

  @Flag(help: "Print one JSON object as the last line of standard output.")
  var json = false

  func validate() throws {
    if let threads, threads < 1 || threads > 1024 {
      throw ValidationError("--threads must be between 1 and 1024 (got \(threads))")
    }
  }

  func run() throws {
    Parallelism.setThreads(threads ?? ProcessInfo.processInfo.activeProcessorCount)
    let loaded = try LoadedModel(path: model)
    let bytes = try TextInput.read(file, what: "text file")
    let tokenizer = loaded.tokenizer
    let encoded = try userFacing { try tokenizer.encode(tokenizer.prepare(bytes, source: file), as: UInt32.self) }
    guard encoded.ids.count >= 2 else {
      throw CLIFailure("\(file) has \(encoded.ids.count) known symbol(s); perplexity needs at least 2")
    }
    let ids: TokenIDs = .wide(encoded.ids)
    let (nats, scored) = Evaluation.score(model: loaded.model, ids: ids, skippedTargets: encoded.omittedBefore)
    guard scored > 0 else {
      throw CLIFailure(
        "no symbol of \(file) can be scored: each of its \(encoded.ids.count) known symbols follows one the model "
          + "does not know (\(encoded.unknownCount) unknown); give a text in the model's vocabulary")
    }
    let natsPerChar = nats / Double(scored)
    let bits = natsPerChar / log(2)
    let perplexity = exp(natsPerChar)
    var line =
      "\(file): \(scored) symbols scored, \(fmt(natsPerChar, 4)) nats/char, \(fmt(bits, 4)) bits/char, perplexity \(fmt(perplexity, 3))"
    if encoded.unknownCount > 0 {
      line += "; \(encoded.unknownCount) unknown symbols (\(UnknownSymbols.examples(encoded.unknownSymbols)))"
    }
    line = ControlCharacters.escaped(line)
    if json {
      eprint(line)
      printJSON([
        "chars": scored, "nats_per_char": natsPerChar, "bits_per_char": bits, "perplexity": perplexity,
        "unknown": encoded.unknownCount, "file": file, "model": model,
      ])
    } else {
      printLine(line)
    }
  }
}

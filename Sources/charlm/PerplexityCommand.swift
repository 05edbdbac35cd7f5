import ArgumentParser
import CharLM
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

  @OptionGroup var modelPath: ModelPathOption
  var model: String { modelPath.model }

  @Argument(help: "UTF-8 text to score.", completion: .file())
  var file: String

  @OptionGroup var threads: ThreadOptions

  @Flag(help: "Print one JSON object as the last line of standard output.")
  var json = false

  func run() throws {
    threads.apply()
    let loaded = try userFacing { try LoadedModel(path: model) }
    let bytes = try TextInput.read(file, what: "text file")
    let score = try userFacing { try loaded.score(bytes, source: file) }
    guard score.knownSymbols >= 2 else {
      throw CLIFailure("\(file) has \(score.knownSymbols) known symbol(s); perplexity needs at least 2")
    }
    guard score.symbols > 0 else {
      throw CLIFailure(
        "no symbol of \(file) can be scored: each of its \(score.knownSymbols) known symbols follows one the model "
          + "does not know (\(score.unknownCount) unknown); give a text in the model's vocabulary")
    }
    let (scored, natsPerChar, bits, perplexity) = (
      score.symbols, score.natsPerSymbol, score.bitsPerSymbol, score.perplexity
    )
    var line =
      "\(file): \(scored) symbols scored, \(fmt(natsPerChar, 4)) nats/char, \(fmt(bits, 4)) bits/char, perplexity \(fmt(perplexity, 3))"
    if score.unknownCount > 0 {
      line += "; \(score.unknownCount) unknown symbols (\(UnknownSymbols.examples(score.unknownSymbols)))"
    }
    line = ControlCharacters.escaped(line)
    if json {
      eprint(line)
      printJSON([
        "chars": scored, "nats_per_char": natsPerChar, "bits_per_char": bits, "perplexity": perplexity,
        "unknown": score.unknownCount, "file": file, "model": model,
      ])
    } else {
      printLine(line)
    }
  }
}

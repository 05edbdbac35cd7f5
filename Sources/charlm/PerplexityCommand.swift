import ArgumentParser
import CharLM
import Foundation
import Kernels
import Tokenization
import Training

/// `charlm perplexity`: how well a model predicts text files, each on its own.
struct PerplexityCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "perplexity",
    abstract: "Measure a model's bits per character and perplexity on text files.",
    discussion: """
      Every symbol after the first is predicted from all the symbols before it (one stream from \
      a zero state), with the model's own tokenizer settings. Symbols the model has never seen \
      are counted and reported; without an unknown symbol in the vocabulary they are left out, \
      and the symbol after each of them is not scored. Each file is scored on its own, one \
      result each, in the order given. Progress goes to standard error for a file that takes \
      more than a second: one line redrawn in place on a terminal, else a line every 5 seconds.
      """)

  @OptionGroup var modelPath: ModelPathOption
  var model: String { modelPath.model }

  @Argument(
    help: ArgumentHelp("UTF-8 texts to score, each on its own (- for standard input, once).", valueName: "file"),
    completion: .file())
  var files: [String] = []

  @OptionGroup var threads: ThreadOptions

  @Flag(help: "Print one JSON object per file as a line of standard output (the human line goes to standard error).")
  var json = false

  @Flag(
    help: ArgumentHelp(
      "Print one JSON object per line of each text on standard output (file, line, symbols, nats, bits_per_char), "
        + "the state carried across lines, so the lines' nats add up to the file's; the file's result goes to "
        + "standard error, or follows as JSON with --json."))
  var perLine = false

  @Flag(help: "No progress lines on standard error.")
  var quiet = false

  func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one text file to score (- for standard input)") }
    try TextInput.checkStandardInputOnce(files)
  }

  func run() throws {
    threads.apply()
    let loaded = try userFacing { try LoadedModel(path: model) }
    // Every file is read before any is scored: a missing one fails at once, with no partial output.
    let texts = try files.map { (path: $0, bytes: try TextInput.read($0, what: "text file")) }
    for (path, bytes) in texts { try report(path: path, bytes: bytes, loaded: loaded) }
  }

  /// Scores one text and prints its result (and its lines with --per-line).
  func report(path: String, bytes: [UInt8], loaded: LoadedModel) throws {
    let file = TextInput.displayName(path)
    let progress = ScoringProgress(name: file, style: .forStandardError(quiet: quiet))
    let start = ContinuousClock.now
    let (score, lines) = try userFacing {
      try loaded.score(bytes, source: file, perLine: perLine) { predicted, total in
        progress.update(predicted: predicted, total: total, elapsed: (ContinuousClock.now - start).seconds)
      }
    }
    progress.finish()
    guard score.knownSymbols >= 2 else {
      throw CLIFailure("\(file) has \(score.knownSymbols) known symbol(s); perplexity needs at least 2")
    }
    guard score.symbols > 0 else {
      throw CLIFailure(
        "no symbol of \(file) can be scored: each of its \(score.knownSymbols) known symbols follows one the model "
          + "does not know (\(score.unknownCount) unknown); give a text in the model's vocabulary")
    }
    for line in lines {
      printJSON([
        "file": path, "line": line.line, "symbols": line.symbols, "nats": line.nats,
        "bits_per_char": line.bitsPerSymbol ?? NSNull(),
      ])
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
    if json || perLine { eprint(line) } else { printLine(line) }
    if json {
      printJSON([
        "chars": scored, "nats_per_char": natsPerChar, "bits_per_char": bits, "perplexity": perplexity,
        "unknown": score.unknownCount, "file": path, "model": model,
      ])
    }
  }
}

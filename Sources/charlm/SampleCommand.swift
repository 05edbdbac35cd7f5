import ArgumentParser
import CharLM
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
      Prints the prime text, then --length generated symbols, as they are generated, then a \
      newline. Output is always whole symbols of the model's vocabulary (never a broken \
      character, never the unknown symbol). Without --prime, generation starts after a newline. \
      With --count N, the N samples are generated together and printed one after another, each \
      followed by a newline and separated by a blank line. --stop ends a sample early. With -i, \
      each line of standard input is a prime and only its continuation is printed; line j uses \
      the seeds from --seed + j·count on. Without --seed the seed is random and printed to \
      standard error as "charlm: seed N", so that a run can be repeated. With --json, each sample \
      is one line of JSON instead: prime, text (the generated continuation), symbols, seed and \
      stop ("stop", "length" or "time").
      """)

  @OptionGroup(title: "Model") var modelPath: ModelPathOption
  @OptionGroup(title: "Sampling") var sampling: SamplingFlags
  @OptionGroup(title: "Prime") var priming: PrimeFlags
  @OptionGroup(title: "Run control") var extent: SampleExtentFlags
  @OptionGroup(title: "Run control") var threads: ThreadOptions

  @Flag(help: "Print each sample as one line of JSON (prime, text, symbols, seed, stop).")
  var json = false

  var model: String { modelPath.model }
  var length: Int { extent.length }
  var temperature: Float { sampling.temperature }
  var topK: Int { sampling.topK }
  var topP: Float { sampling.topP }
  var minP: Float { sampling.minP }
  var repetitionPenalty: Float { sampling.repetitionPenalty }
  var seed: UInt64? { sampling.seed }
  var prime: String { priming.prime }
  var primeFile: String? { priming.primeFile }
  var interactive: Bool { priming.interactive }
  var count: Int { extent.count }
  var stop: [String] { extent.stop }
  var maxTime: Double? { extent.maxTime }

  func validate() throws {
    try check("--length", length, 0...1_000_000_000)
    if !(temperature >= 0 && temperature.isFinite) {
      throw ValidationError("--temperature must be ≥ 0, in [0, ∞) (got \(temperature))")
    }
    try check("--top-k", topK, 0...Int.max)
    if !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1] (got \(topP))") }
    if !(minP >= 0 && minP <= 1) { throw ValidationError("--min-p must be in [0, 1] (got \(minP))") }
    if !(repetitionPenalty > 0 && repetitionPenalty.isFinite) {
      throw ValidationError("--repetition-penalty must be positive, in (0, ∞) (got \(repetitionPenalty))")
    }
    try check("--count", count, 1...10_000)
    if let maxTime, !(maxTime > 0 && maxTime.isFinite) {
      throw ValidationError("--max-time must be positive seconds (got \(maxTime))")
    }
    if stop.contains("") { throw ValidationError("--stop needs a non-empty string") }
    if primeFile != nil && !prime.isEmpty { throw ValidationError("give either --prime or --prime-file, not both") }
    if interactive && (primeFile != nil || !prime.isEmpty) {
      throw ValidationError("-i reads the primes from standard input; drop --prime/--prime-file")
    }
  }

  func run() throws {
    // One symbol at a time: only matrix–vector products of large models are worth splitting.
    threads.apply()
    let loaded = try userFacing { try LoadedModel(path: model) }
    // A temperature whose inverse overflows (below ~3e-39) is the greedy limit; a time limit
    // beyond 10^9 s (31 years) is none (and would overflow the clock's nanoseconds).
    let temperature = (1 / temperature).isFinite ? temperature : 0
    let session = SampleSession(
      loaded: loaded,
      options: SamplingOptions(
        temperature: temperature, topK: topK, topP: topP, minP: minP, repetitionPenalty: repetitionPenalty),
      length: length,
      stops: stop.map(unescapeStop), maxTime: maxTime.flatMap { $0 < 1e9 ? $0 : nil }, json: json)
    // A random seed is said (once the inputs are read, so that an error stays one line), so
    // that the run can be repeated with --seed.
    let seed = self.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
    let sayRandomSeed = { if self.seed == nil { eprint("charlm: seed \(seed)") } }
    let output = StreamedOutput()
    if interactive {
      // One prime per line of standard input; the continuation (not the prime) is printed.
      // Line j draws with seeds seed + j·count …, so that two primes do not share random numbers.
      let prompt = isatty(0) != 0
      sayRandomSeed()
      var next = seed
      while true {
        if prompt { writeStandardError("> ") }
        guard let line = readLine(strippingNewline: true) else { break }
        try session.generate(prime: line, printPrime: false, count: count, seed: next, to: output)
        next &+= UInt64(count)
      }
      return
    }
    var text = prime
    if let primeFile {
      let bytes = try TextInput.read(primeFile, what: "prime file")
      guard let decoded = String(validating: bytes, as: UTF8.self) else {
        throw CLIFailure("prime file \(primeFile) is not valid UTF-8; give a UTF-8 text file")
      }
      text = decoded
    }
    sayRandomSeed()
    try session.generate(prime: text, printPrime: true, count: count, seed: seed, to: output)
  }
}

/// How each symbol is drawn from the model's distribution.
struct SamplingFlags: ParsableArguments {
  @Option(
    name: [.short, .long], parsing: .unconditional,
    help: "Sampling temperature: 1 follows the model, lower is more conservative, 0 is greedy.")
  var temperature: Float = 1

  @Option(
    name: [.customShort("k"), .long], parsing: .unconditional,
    help: "Draw only from the K most likely symbols (0: no limit).")
  var topK: Int = 0

  @Option(
    parsing: .unconditional,
    help: "Draw only from the most likely symbols whose probability adds up to P (1: no limit).")
  var topP: Float = 1

  @Option(
    parsing: .unconditional,
    help: "Draw only from the symbols at least P times as likely as the most likely one (0: no limit).")
  var minP: Float = 0

  @Option(
    parsing: .unconditional,
    help: "Divide the positive logits of symbols already in the text by R, multiply the negative ones (1: off).")
  var repetitionPenalty: Float = 1

  @Option(
    name: [.short, .long], parsing: .unconditional,
    help:
      "Random seed; the same seed gives the same text (sample i of --count uses seed + i) (default: random, printed to stderr).",
    transform: parseSeed)
  var seed: UInt64?
}

/// The text a sample continues.
struct PrimeFlags: ParsableArguments {
  @Option(name: [.short, .long], parsing: .unconditional, help: "Text to continue.")
  var prime: String = ""

  @Option(
    parsing: .unconditional,
    help: "Read the text to continue from this UTF-8 file (- for standard input; instead of --prime).",
    completion: .file())
  var primeFile: String?

  @Flag(
    name: [.customShort("i"), .long],
    help: "Read a prime per line from standard input and print a continuation of each, until end of input.")
  var interactive = false
}

/// How much is generated, and what ends a sample early.
struct SampleExtentFlags: ParsableArguments {
  @Option(name: [.customShort("n"), .long], parsing: .unconditional, help: "Symbols to generate.")
  var length: Int = 500

  @Option(parsing: .unconditional, help: "Samples to generate, in one batched pass, separated by a blank line.")
  var count: Int = 1

  @Option(
    parsing: .unconditionalSingleValue,
    help:
      "End a sample when its text ends with this string, which is printed (repeatable; \\n and \\t are a newline and a tab)."
  )
  var stop: [String] = []

  @Option(parsing: .unconditional, help: "Stop generating after this many seconds (per prime with -i).")
  var maxTime: Double?
}

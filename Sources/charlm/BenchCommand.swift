import ArgumentParser
import CharLM
import Foundation
import Kernels
import Modeling
import Sampling
import Tokenization
import Training

/// `charlm bench`: training and sampling speed, memory, and distance to the BLAS limit, on a
/// real corpus with the real trainer. Release builds only: a debug build's numbers mean nothing.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure training and sampling speed (release builds only).",
    discussion: """
      Trains a fresh model for --warmup + --steps steps (the warm-up steps are not timed), then \
      samples --sample-length symbols one at a time. Reports per-step median symbols/s, achieved \
      GFLOP/s next to the machine's measured SGEMM rate, and peak resident memory. Evaluation is \
      not part of the measurement. Compare with scripts/reference/train_reference.py via \
      scripts/bench.sh.
      """)

  @Argument(help: "UTF-8 text to train on.", completion: .file())
  var corpus: String

  @OptionGroup var architecture: ArchitectureOptions

  @Option(help: "Steps per chunk T.")
  var seqLength: Int = 64
  @Option(help: "Parallel streams B.")
  var batchSize: Int = 32
  @Option(help: "Timed training steps.")
  var steps: Int = 30
  @Option(help: "Untimed warm-up steps.")
  var warmup: Int = 5
  @Option(help: "Symbols to sample, one at a time.")
  var sampleLength: Int = 2000
  @OptionGroup var threads: ThreadOptions
  @Flag(help: "Print one JSON object as the last line of standard output.")
  var json = false

  func validate() throws {
    try architecture.validate()
    try check("--seq-length", seqLength, 1...100_000)
    try check("--batch-size", batchSize, 1...100_000)
    try check("--steps", steps, 1...1_000_000)
    try check("--warmup", warmup, 0...1_000_000)
    try check("--sample-length", sampleLength, 1...100_000_000)
  }

  func run() throws {
    guard !_isDebugAssertConfiguration() else {
      throw CLIFailure("charlm bench refuses to time a debug build; build with swift build -c release")
    }
    threads.apply()
    // First, while nothing else is allocated, so its matrices do not add to the peak RSS.
    let sgemm = Self.measureSGEMM()
    let clock = ContinuousClock()
    let bytes = try TextInput.read(corpus, what: "corpus")
    // Tokenizing: from the file's bytes to the ids (NFC, grapheme segmentation, vocabulary,
    // encoding), with the code `charlm train` runs (``TrainingCorpus``).
    let t0 = clock.now
    let prepared = try userFacing { try TrainingCorpus(bytes: bytes, source: corpus) }
    let (tokenizer, ids) = (prepared.tokenizer, prepared.ids)
    let tokenizeRate = Double(bytes.count) / 1e6 / (clock.now - t0).seconds
    let config = architecture.shape.config(vocabSize: tokenizer.count)
    var rng = SeededGenerator(seed: 1)
    let model = LanguageModel(config: config, generator: &rng)
    var options = TrainingOptions()
    options.seqLength = seqLength
    options.batchSize = batchSize
    options.steps = warmup + steps
    let trainer = try userFacing { try Trainer(model: model, train: ids, validation: nil, options: options) }

    for _ in 0..<warmup { trainer.trainStep() }
    var stepSeconds: [Double] = []
    for _ in 0..<steps {
      let t0 = clock.now
      trainer.trainStep()
      stepSeconds.append((clock.now - t0).seconds)
    }
    let medianStep = stepSeconds.sorted()[stepSeconds.count / 2]
    let trainRate = Double(trainer.symbolsPerStep) / medianStep
    let flopsPerStep = Self.trainingFLOPs(
      config: config, symbols: trainer.symbolsPerStep, folded: model.foldsEmbedding(rows: trainer.symbolsPerStep))

    // Sampling: one symbol at a time from the trained model, as `charlm sample` does.
    let s0 = clock.now
    Generation(prime: [0], length: sampleLength, seed: 1).run(model: model) { _, _ in .proceed }
    let sampleRate = Double(sampleLength) / (clock.now - s0).seconds
    let rss = Self.peakResidentBytes()

    let achieved = flopsPerStep / medianStep / 1e9
    eprint(
      "charlm bench: \(config.cell.rawValue) V=\(config.vocabSize) E=\(config.embeddingSize) H=\(config.hiddenSize) L=\(config.layers) "
        + "T=\(seqLength) B=\(batchSize), \(Parallelism.threads) threads, \(computeDescription())")
    eprint(
      "training: \(Int(trainRate)) symbols/s (median of \(steps) steps, \(fmt(medianStep * 1000, 1)) ms/step), "
        + "\(fmt(achieved, 1)) GFLOP/s of \(fmt(sgemm, 1)) GFLOP/s SGEMM (\(fmt(100 * achieved / sgemm, 0))%)")
    eprint("sampling: \(Int(sampleRate)) symbols/s; peak RSS \(rss / 1_048_576) MiB")
    eprint(
      "tokenizing: \(fmt(tokenizeRate, 1)) MB/s (\(bytes.count) bytes, \(ids.count) symbols, "
        + "ids \(ids.bytesPerSymbol) bytes/symbol)")
    if json {
      printJSON([
        "chars_per_second": trainRate, "sample_chars_per_second": sampleRate, "peak_rss_bytes": rss,
        "median_step_seconds": medianStep, "gflops": achieved, "sgemm_gflops": sgemm,
        "threads": Parallelism.threads, "blas_core": blasCoreName(),
        "backend": ComputeBackend.current.rawValue, "backend_isa": ComputeBackend.current.kernelISA,
        "kernel_isa": KernelISA.current.rawValue, "vocab_size": config.vocabSize,
        "tokenize_mb_per_second": tokenizeRate, "id_bytes_per_symbol": ids.bytesPerSymbol,
      ])
    }
  }

  /// Floating-point operations one training step executes: the forward's matrix products
  /// (2·rows·in·out each) times three (forward, input gradients, weight gradients). With the
  /// embedding folded into layer 0 (`folded`), that layer's input products run over V rows
  /// instead of N = T·B.
  static func trainingFLOPs(config: ModelConfig, symbols: Int, folded: Bool) -> Double {
    let (N, G, H) = (Double(symbols), Double(config.cell.gateCount * config.hiddenSize), Double(config.hiddenSize))
    var forward = 2 * N * H * Double(config.vocabSize)
    for k in 0..<config.layers {
      let inputRows = k == 0 && folded ? Double(config.vocabSize) : N
      forward += 2 * inputRows * G * Double(config.inputSize(ofLayer: k)) + 2 * N * G * H
    }
    return 3 * forward
  }

  /// The machine's SGEMM rate in GFLOP/s on charlm's threads: the best 1024³ product of half a
  /// second of them (at least five). Best of five alone read anywhere from 194 to 477 GFLOP/s on
  /// a shared 2-core Zen 5, whose neighbours slow a short stretch as a whole.
  static func measureSGEMM() -> Double {
    let n = 1024
    let a = FloatBuffer(count: n * n)
    let b = FloatBuffer(count: n * n)
    let c = FloatBuffer(count: n * n)
    for i in 0..<(n * n) {
      a[i] = Float(i % 7) * 0.1
      b[i] = Float(i % 5) * 0.1
    }
    var best = Double.infinity
    let clock = ContinuousClock()
    let start = clock.now
    var runs = 0
    while runs < 5 || (clock.now - start).seconds < 0.5 {
      let t0 = clock.now
      matmul(m: n, n: n, k: n, a: a.pointer, lda: n, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
      best = min(best, (clock.now - t0).seconds)
      runs += 1
    }
    return 2 * Double(n * n * n) / best / 1e9
  }

  /// Peak resident set size of this process in bytes.
  static func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
  }
}

extension Duration {
  /// The duration in seconds.
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

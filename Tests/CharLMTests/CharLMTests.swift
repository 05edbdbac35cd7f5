import CharLM
import Foundation
import Testing

/// The library's front door: a corpus prepared once, a run on a text (new and resumed), a
/// model file loaded with its tokenizer, text generated and scored.
@Suite struct CharLMTests {
  /// A few KB of text with a repeating structure.
  static let text = Array((0..<120).map { "line \($0 % 7): the cat sat on the mat.\n" }.joined().utf8)

  /// Small, fast training options.
  static var options: TrainingOptions {
    var o = TrainingOptions()
    (o.seqLength, o.batchSize, o.steps, o.evalEvery, o.seed) = (16, 4, 6, 3, 5)
    return o
  }
  static let shape = ModelShape(cell: .gru, embeddingSize: 8, hiddenSize: 16, layers: 2)

  /// A fresh directory under the system's temporary directory.
  static func scratch() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("charlm-lib-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test("the corpus is encoded once in its own tokenizer and split at ⌊N·fraction⌋ from the end")
  func corpusSplit() throws {
    let corpus = try TrainingCorpus(bytes: Self.text, source: "t")
    let N = corpus.ids.count
    #expect(N == Self.text.count)  // ASCII: one symbol per byte
    let (train, validation) = corpus.split(validationFraction: 0.1)
    #expect(train.count == N - N / 10 && validation?.count == N / 10)
    #expect(corpus.split(validationFraction: 0).validation == nil)
    let again = try TrainingCorpus(bytes: Self.text, source: "t", tokenizer: corpus.tokenizer)
    #expect((0..<N).allSatisfy { again.ids[$0] == corpus.ids[$0] })
  }

  @Test("3 steps, saved and resumed to 6, end where 6 steps in a row end (every tensor)")
  func resumeMatchesUninterrupted() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let whole = try TextTrainer(text: Self.text, shape: Self.shape, options: Self.options)
    _ = try whole.run(saveTo: dir + "/whole.safetensors")

    var firstOptions = Self.options
    firstOptions.steps = 3
    let first = try TextTrainer(text: Self.text, shape: Self.shape, options: firstOptions)
    _ = try first.run(saveTo: dir + "/part.safetensors")
    let saved = try LoadedModel(path: dir + "/part.safetensors")
    let record = try #require(TrainingRecord(metadata: saved.file.extraMetadata))
    #expect(record.step == 3)
    var options = record.options
    options.steps = 6
    let resumed = try TextTrainer(resuming: saved, record: record, text: Self.text, options: options)
    _ = try resumed.run(saveTo: dir + "/part.safetensors")

    let a = try ModelFile.read(from: dir + "/whole.safetensors").archive()
    let b = try ModelFile.read(from: dir + "/part.safetensors").archive()
    #expect(a.tensors == b.tensors)
  }

  @Test("the AsyncSequence, the callback and Generation give the same symbols; score matches Evaluation")
  func generateAndScore() async throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let run = try TextTrainer(text: Self.text, shape: Self.shape, options: Self.options)
    _ = try run.run(saveTo: dir + "/m.safetensors")
    let model = try LoadedModel(path: dir + "/m.safetensors")
    let options = SamplingOptions(temperature: 0.9, topK: 5)

    var streamed: [String] = []
    for await symbol in try model.text(after: "line ", length: 40, seed: 9, options: options) {
      streamed.append(symbol)
    }
    var called: [String] = []
    try model.generate(prime: "line ", length: 40, seed: 9, options: options) { symbol in
      called.append(symbol)
      return called.count == 10 ? .stop : .proceed
    }
    var ids: [Int] = []
    try model.generation(prime: "line ", length: 40, seed: 9, options: options).run(model: model.model) { _, id in
      ids.append(id)
      return .proceed
    }
    #expect(streamed.count == 40 && streamed == ids.map(model.tokenizer.symbol(for:)))
    #expect(called == Array(streamed.prefix(10)))

    let score = try model.score("line 3: the cat sat on the mat.\n")
    let ids32 = try model.tokenizer.encode("line 3: the cat sat on the mat.\n", as: UInt32.self).ids
    let expected = Evaluation.score(model: model.model, ids: .wide(ids32))
    #expect(score.nats == expected.nats && score.symbols == expected.scored && score.unknownCount == 0)
    #expect(try model.score("x").symbols == 0)
  }

  @Test("a file whose vocabulary does not match its tensors is refused with one line")
  func inconsistentVocabulary() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let run = try TextTrainer(text: Self.text, shape: Self.shape, options: Self.options)
    var file = run.modelFile()
    file.vocabularyJSON = #"["a","b"]"#
    #expect(throws: CheckpointError.self) { try LoadedModel(file: file, source: "m.safetensors") }
    do {
      _ = try LoadedModel(file: file, source: "m.safetensors")
    } catch {
      #expect(error.description.contains("vocabulary has 2 symbols") && !error.description.contains("\n"))
    }
  }

  @Test(
    "per line: one score per line, state carried, the lines' nats add up to the whole text's (1e-9 relative)",
    arguments: [2, 9])
  func perLine(chunkLines: Int) throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var options = Self.options
    options.valFraction = 0
    let run = try TextTrainer(text: Self.text, shape: Self.shape, options: options)
    _ = try run.run(saveTo: dir + "/m.safetensors")
    let model = try LoadedModel(path: dir + "/m.safetensors")
    // More than one chunk of 256 symbols, a line of an unknown symbol (Q), no final newline
    // (and "d" unknown too).
    let text = Array(
      ((0..<chunkLines * 8).map { "line \($0 % 7): the cat sat on the mat.\n" }.joined() + "Q\nthe end").utf8)
    var calls: [(Int, Int)] = []
    let (score, lines) = try model.score(text, source: "t", perLine: true) { calls.append(($0, $1)) }
    let whole = try model.score(text)
    #expect(score.nats == whole.nats && score.symbols == whole.symbols)
    #expect(lines.map(\.line) == Array(1...(chunkLines * 8 + 2)))
    #expect(lines.reduce(0) { $0 + $1.symbols } == score.symbols)
    let sum = lines.reduce(0.0) { $0 + $1.nats }
    let relative = abs(sum - score.nats) / score.nats
    #expect(relative <= 1e-9, "Σ lines \(sum) vs whole \(score.nats): relative \(relative)")
    // The first line's first symbol is not scored; a whole line is its symbols and newline.
    #expect(
      lines[0].symbols == "line 0: the cat sat on the mat.\n".count - 1
        && lines[1].symbols == "line 1: the cat sat on the mat.\n".count)
    #expect(calls.last.map { $0.0 == $0.1 } == true && calls.count == (whole.knownSymbols - 1 + 255) / 256)
  }
}

import Foundation
import Testing

/// `--cell` and `--dropout` end to end: train → sample → perplexity for each cell, the cell in
/// the file's charlm.config, resume keeping the cell, and flag validation.
@Suite struct CellTests {
  @Test(arguments: ["lstm", "gru", "rnn"])
  func trainSamplePerplexity(cell: String) throws {
    let dir = try ScratchDirectory("cell-\(cell)")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    let report = try train(
      corpus, model: model, steps: 12, seed: 3, extra: ["--cell", cell, "--layers", "2", "--dropout", "0.2"])
    #expect(report.steps == 12 && report.val_loss.isFinite)

    // The file records the cell; tensors have PyTorch's shapes for it.
    let header = try Self.header(of: model)
    let meta = try #require(header["__metadata__"] as? [String: String])
    let config = try #require(meta["charlm.config"])
    #expect(config.contains("\"cell\":\"\(cell)\""), "\(config)")
    let gates = ["lstm": 4, "gru": 3, "rnn": 1][cell]!
    let wih = try #require(header["rnn.weight_ih_l1"] as? [String: Any])
    #expect((wih["shape"] as? [Int]) == [gates * 16, 16])
    #expect(meta["charlm.train"]?.contains("\"dropout\":0.2") == true, "\(meta["charlm.train"] ?? "")")

    let sampled = try runOK(["sample", "--model", model, "--prime", "The ", "--length", "30", "--seed", "2"])
    #expect(sampled.stdout.hasPrefix("The ") && sampled.stdout.count >= 30, "\(sampled)")
    let again = try runOK(["sample", "--model", model, "--prime", "The ", "--length", "30", "--seed", "2"])
    #expect(again.stdoutData == sampled.stdoutData)

    let scored = try lastJSONLine(
      try runOK(["perplexity", "--model", model, corpus, "--json"]), as: PerplexityReport.self,
      keys: ["chars", "bits_per_char"])
    #expect(scored.nats_per_char.isFinite && scored.nats_per_char > 0)

    // Resume keeps the saved cell (and dropout) and continues.
    let resumed = try runOK([
      "train", corpus, "--model", model, "--resume", "--steps", "14", "--threads", "1", "--json",
    ])
    #expect(resumed.stderr.contains("model \(cell)"), "\(resumed)")
    #expect(resumed.stderr.contains("dropout 0.2"), "\(resumed)")
  }

  @Test func resumeWithDropoutEqualsUninterrupted() throws {
    let dir = try ScratchDirectory("cell-resume")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let (a, b) = (dir.path("a.safetensors"), dir.path("b.safetensors"))
    let extra = ["--cell", "gru", "--layers", "2", "--dropout", "0.3"]
    let whole = try train(corpus, model: a, steps: 16, seed: 4, extra: extra)
    try train(corpus, model: b, steps: 8, seed: 4, extra: extra)
    let resumed = try lastJSONLine(
      try runOK(["train", corpus, "--model", b, "--resume", "--steps", "16", "--threads", "1", "--json"]),
      as: TrainReport.self, keys: ["train_loss"])
    #expect(resumed.train_loss == whole.train_loss)
    let (bytesA, bytesB) = (try contentsWithoutProvenance(a), try contentsWithoutProvenance(b))
    #expect(bytesA.header == bytesB.header && bytesA.data == bytesB.data)
  }

  @Test func badFlags() throws {
    let dir = try ScratchDirectory("cell-flags")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    expectOneLineError(
      try CLIRunner.run(["train", corpus, "--model", model, "--dropout", "1"]), mentions: ["--dropout", "[0, 1)"],
      usageAllowed: true)
    expectOneLineError(
      try CLIRunner.run(["train", corpus, "--model", model, "--cell", "transformer"]), mentions: ["--cell"],
      usageAllowed: true)
    try train(corpus, model: model, steps: 2)
    expectOneLineError(
      try CLIRunner.run(["train", corpus, "--model", model, "--resume", "--cell", "gru", "--steps", "4"]),
      mentions: ["--cell"], usageAllowed: true)
  }

  /// The safetensors JSON header of a file.
  static func header(of path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    return try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any])
  }
}

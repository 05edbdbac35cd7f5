import Foundation
import Testing

/// train → sample → perplexity on a tiny mixed-script corpus, reproducibility and resume.
@Suite struct HappyPathTests {
  @Test func trainSamplePerplexity() throws {
    let dir = try ScratchDirectory("happy")
    let text = Corpus.text()
    let corpus = try dir.write("corpus.txt", text: text)
    let model = dir.path("model.safetensors")

    // train --json: the last line of stdout is the summary.
    let report = try train(corpus, model: model, steps: 20, seed: 5)
    #expect(report.steps == 20)
    #expect(report.train_loss.isFinite && report.train_loss > 0)
    #expect(report.val_loss.isFinite && report.val_loss > 0)
    #expect(abs(report.val_bits_per_char - report.val_loss / log(2.0)) < 1e-9)
    #expect(report.chars_per_second > 0)
    #expect(FileManager.default.fileExists(atPath: model))

    // sample: the prime first, then --length whole symbols, valid UTF-8, reproducible by seed.
    let prime = "Café 我们 😀 "
    func sample(seed: Int) throws -> CLIResult {
      try runOK(["sample", "--model", model, "--prime", prime, "--length", "50", "--seed", "\(seed)"])
    }
    let first = try sample(seed: 3)
    let output = try #require(String(validating: first.stdoutData, as: UTF8.self), "sample output is not UTF-8")
    #expect(!output.contains("\u{FFFD}"), "replacement character in \(output)")
    #expect(output.hasPrefix(prime), "output does not start with the prime: \(output)")
    #expect(output.hasSuffix("\n"))
    let generated = output.dropFirst(prime.count).dropLast()
    #expect(generated.count == 50, "expected 50 generated symbols, got \(generated.count): \(generated)")
    #expect(first.stderr.isEmpty, "unexpected stderr: \(first.stderr)")
    let again = try sample(seed: 3)
    #expect(again.stdoutData == first.stdoutData, "same seed, different text")
    let other = try sample(seed: 4)
    #expect(other.stdoutData != first.stdoutData, "seeds 3 and 4 gave the same 50 symbols")

    // perplexity --json on the training text: every symbol known; chars = symbols − 1.
    let result = try runOK(["perplexity", "--model", model, corpus, "--json"])
    let scored = try lastJSONLine(
      result, as: PerplexityReport.self, keys: ["chars", "nats_per_char", "bits_per_char", "perplexity", "unknown"])
    #expect(scored.unknown == 0)
    // A Swift Character is an extended grapheme cluster, as charlm's default unit is.
    #expect(scored.chars == text.count - 1)
    #expect(scored.nats_per_char.isFinite && scored.nats_per_char > 0)
    #expect(abs(scored.bits_per_char - scored.nats_per_char / log(2.0)) <= 1e-9)
    #expect(abs(scored.perplexity - exp(scored.nats_per_char)) <= 1e-9)
  }

  @Test func unknownSymbolsAreCountedAndSkipped() throws {
    let dir = try ScratchDirectory("unknown")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    try train(corpus, model: model, steps: 5)

    // perplexity: three symbols the model never saw (☃ twice, Ж once) are counted, exit 0.
    let text = "the fox ☃ 我们 Ж café ☃ dog\n"
    let file = try dir.write("unseen.txt", text: text)
    let result = try runOK(["perplexity", "--model", model, file, "--json"])
    let scored = try lastJSONLine(
      result, as: PerplexityReport.self, keys: ["chars", "nats_per_char", "bits_per_char", "perplexity", "unknown"])
    #expect(scored.unknown == 3)
    #expect(scored.chars > 0 && scored.chars < text.count - 1)
    #expect(scored.nats_per_char.isFinite)

    // sample: a prime with unknown symbols warns on stderr and still samples.
    let prime = "Zebra ☃ fox"
    let sampled = try runOK(["sample", "--model", model, "--prime", prime, "--length", "20", "--seed", "1"])
    #expect(sampled.stdout.hasPrefix(prime), "\(sampled)")
    #expect(sampled.stdout.count > prime.count + 10, "\(sampled)")
    let warning = sampled.stderr
    #expect(warning.contains("does not know"), "no warning: \(sampled)")
    #expect(warning.contains("☃") && warning.contains("Z"), "warning does not name the symbols: \(warning)")
  }

  @Test func sameSeedGivesByteIdenticalModelFiles() throws {
    let dir = try ScratchDirectory("repro")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let (a, b, c) = (dir.path("a.safetensors"), dir.path("b.safetensors"), dir.path("c.safetensors"))
    let first = try train(corpus, model: a, steps: 20, seed: 11)
    let second = try train(corpus, model: b, steps: 20, seed: 11)
    #expect(first.train_loss == second.train_loss)
    #expect(first.val_loss == second.val_loss)
    // Byte for byte but for the training time and --model in charlm.run.
    let (bytesA, bytesB) = (try contentsWithoutProvenance(a), try contentsWithoutProvenance(b))
    #expect(
      bytesA.header == bytesB.header && bytesA.data == bytesB.data,
      "same seed, different model files (\(bytesA.data.count) vs \(bytesB.data.count) bytes)")
    // A different seed must change the weights.
    try train(corpus, model: c, steps: 20, seed: 12)
    #expect(try contentsWithoutProvenance(c).data != bytesA.data)
  }

  /// --steps 10 then --resume --steps 20 must equal --steps 20, bit for bit: the weights, the
  /// optimizer moments, the carried state and the random state all travel in the file.
  @Test(arguments: [[], ["--eval-every", "5"]])
  func resumeEqualsUninterrupted(extra: [String]) throws {
    let dir = try ScratchDirectory("resume")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let (a, b) = (dir.path("a.safetensors"), dir.path("b.safetensors"))
    let whole = try train(corpus, model: a, steps: 20, seed: 9, extra: extra)
    let half = try train(corpus, model: b, steps: 10, seed: 9, extra: extra)
    #expect(half.steps == 10)
    let resumed = try runOK(["train", corpus, "--model", b, "--resume", "--steps", "20", "--threads", "1", "--json"])
    let report = try lastJSONLine(
      resumed, as: TrainReport.self, keys: ["steps", "train_loss", "val_loss", "val_bits_per_char", "chars_per_second"])
    #expect(resumed.stderr.contains("resuming at step 10"), "\(resumed)")
    #expect(report.steps == 20)
    #expect(report.train_loss == whole.train_loss, "train_loss \(report.train_loss) vs \(whole.train_loss)")
    #expect(report.val_loss == whole.val_loss, "val_loss \(report.val_loss) vs \(whole.val_loss)")
    let (bytesA, bytesB) = (try contentsWithoutProvenance(a), try contentsWithoutProvenance(b))
    #expect(
      bytesA.header == bytesB.header && bytesA.data == bytesB.data,
      "resumed model file differs from the uninterrupted one")
  }
}

/// The runner finds the executable it is meant to test.
@Test func executableIsFound() throws {
  let url = try CLIRunner.executable.get()
  print("[charlm executable] \(url.path)")
  let version = try runOK(["--version"])
  #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
}

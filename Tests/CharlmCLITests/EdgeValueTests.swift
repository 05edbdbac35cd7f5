import Foundation
import Modeling
import SafeTensors
import Testing

@testable import charlm

/// Values at the edges of what the flags and files allow: each gives a result or one clear
/// error line, never a crash or a silent wrong answer (each case crashed or misled on b402d5a).
@Suite struct EdgeValueTests {
  nonisolated(unsafe) static let trained = trainShared("edge-values", steps: 5)

  /// Every known symbol follows an unknown one: nothing can be scored (was "perplexity 1.000").
  @Test func perplexityWithNothingToScoreIsAnError() throws {
    let (dir, _, model) = try Self.trained.get()
    let text = try dir.write("unscorable.txt", text: "ЖaЖbЖc")
    let result = try CLIRunner.run(["perplexity", "--model", model, text, "--threads", "1"])
    expectOneLineError(result, mentions: ["no symbol", "can be scored"])
  }

  /// A temperature whose inverse overflows is greedy (it printed only newlines).
  @Test func aSubnormalTemperatureIsGreedy() throws {
    let (_, _, model) = try Self.trained.get()
    let common = ["sample", "--model", model, "--length", "30", "--threads", "1", "--prime", "The "]
    let tiny = try runOK(common + ["--temperature", "1e-40"])
    let greedy = try runOK(common + ["--temperature", "0"])
    #expect(tiny.stdout == greedy.stdout)
  }

  /// `--max-time 1e16` is no limit (the conversion to the clock's Int64 trapped).
  @Test func aHugeSampleTimeLimitWorks() throws {
    let (_, _, model) = try Self.trained.get()
    let result = try runOK(["sample", "--model", model, "--length", "10", "--max-time", "1e16", "--threads", "1"])
    #expect(result.stdout.count == 11 || result.stdout.hasSuffix("\n"))
  }

  /// `--prime=` is an empty prime; it took the next flag as the prime.
  @Test func anEmptyAttachedValueIsEmpty() throws {
    let (_, _, model) = try Self.trained.get()
    let attached = try runOK(["sample", "--model", model, "--prime=", "--length", "10", "--seed", "1"])
    let separate = try runOK(["sample", "--model", model, "--prime", "", "--length", "10", "--seed", "1"])
    #expect(attached.stdout == separate.stdout && !attached.stdout.isEmpty)
    #expect(AttachedValues.splitEmpty(["--prime=", "x", "--", "--stop="]) == ["--prime", "", "x", "--", "--stop="])
  }

  /// Losses of ±1e308 in a metrics log: plotted without them, or one line when nothing is left.
  @Test func aPlotOfAbsurdLossesDoesNotCrash() throws {
    let dir = try ScratchDirectory("plot-absurd")
    let line = { (step: Int, loss: String) in
      #"{"event":"step","learning_rate":0.002,"step":\#(step),"time":1,"train_loss":\#(loss)}"#
    }
    let absurd = try dir.write("a.metrics.jsonl", text: [line(1, "1e308"), line(2, "-1e308")].joined(separator: "\n"))
    expectOneLineError(try CLIRunner.run(["plot", absurd]), mentions: ["no loss between"])
    let mixed = try dir.write(
      "b.metrics.jsonl",
      text: [line(1, "1e308"), line(2, "2.5"), line(3, "-1e308"), line(4, "2")].joined(separator: "\n"))
    let result = try runOK(["plot", mixed])
    #expect(result.stderr.contains("2 training"), "\(result)")
  }

  /// A model whose loss is infinite: `perplexity --json` writes null for the non-finite numbers
  /// (the JSON encoding crashed with a backtrace).
  @Test func infinitePerplexityIsNullInJSON() throws {
    let (dir, corpus, model) = try Self.trained.get()
    var archive = try SafeTensorsArchive.read(from: model)
    let bias = try #require(archive.tensors["head.bias"])
    var values = [Float](repeating: -3e38, count: bias.values.count)
    values[0] = 3e38
    archive.tensors["head.bias"] = TensorData(shape: bias.shape, values: values)
    let extreme = try dir.write("extreme.safetensors", bytes: archive.encoded())
    let result = try runOK(["perplexity", "--model", extreme, corpus, "--json", "--threads", "1"])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data((result.stdoutLines.last ?? "").utf8)) as? [String: Any])
    #expect(object["perplexity"] is NSNull && object["nats_per_char"] is NSNull, "\(result)")
  }

  @Test func jsonOutputWritesNonFiniteNumbersAsNull() {
    let line = JSONOutput.line(["a": Double.nan, "b": [Float.infinity, 1], "c": ["d": -Double.infinity], "e": 2.5])
    #expect(line == #"{"a":null,"b":[null,1],"c":{"d":null},"e":2.5}"#)
  }
}

/// Sizes inside the flag ranges but beyond memory are refused before allocating, with the
/// estimate and what the machine has (b402d5a died in `Fatal error: out of memory`).
@Suite struct MemoryEstimateTests {
  @Test(arguments: [["--hidden-size", "65536"], ["--hidden-size", "4096", "--layers", "64"]])
  func aRunBeyondMemoryIsRefused(sizes: [String]) throws {
    let dir = try ScratchDirectory("memory")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    let result = try CLIRunner.run(["train", corpus, "--model", model, "--threads", "1"] + sizes, timeout: 30)
    let line = expectOneLineError(result, mentions: ["needs about", "GiB", "MemAvailable", "--hidden-size"])
    print("[memory] \(sizes.joined(separator: " ")): \(line)")
    #expect(!FileManager.default.fileExists(atPath: model))
  }
}

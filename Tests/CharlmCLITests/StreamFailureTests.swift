import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Standard error is best effort (training carries on and saves when it cannot be written);
/// standard output is the product (a failed write is an error, a reader that left ends quietly).
@Suite struct StreamFailureTests {
  static let trainFlags = tinyModel + ["--steps", "30", "--eval-every", "10", "--progress-interval", "0"]

  /// A closed standard error (`2>&-`), or a pipe on it whose reader quits after one byte: the run
  /// still trains to the end, saves, and exits 0 (on b402d5a: exit 132 with a backtrace, or 141).
  @Test(arguments: [
    "\"$C\" train corpus.txt --model m.safetensors $FLAGS > out.txt 2>&-; echo $? > status",
    "{ \"$C\" train corpus.txt --model m.safetensors $FLAGS > out.txt; echo $? > status; } 2>&1 | head -c 1 > first",
  ])
  func trainingSurvivesALostStandardError(script: String) throws {
    let dir = try ScratchDirectory("stderr-lost")
    try dir.write("corpus.txt", text: Corpus.text())
    let flags = Self.trainFlags.joined(separator: " ")
    _ = try ShellRunner.run("FLAGS='\(flags)'; " + script, in: dir)
    let status = try String(contentsOfFile: dir.path("status"), encoding: .utf8)
    #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "exit status \(status)")
    #expect(FileManager.default.fileExists(atPath: dir.path("m.safetensors")), "no model was saved")
    let info = try runOK(["info", dir.path("m.safetensors")])
    #expect(info.stdout.contains("step 30 of 30"), "\(info)")
  }

  /// `sample | head -c 20`: the sampler ends quietly with status 0 as soon as head leaves.
  @Test func sampleIntoHeadEndsQuietly() throws {
    let dir = try ScratchDirectory("sample-head")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    try train(corpus, model: dir.path("m.safetensors"))
    let result = try ShellRunner.run(
      "\"$C\" sample --model m.safetensors --length 100000000 --threads 1 --seed 1 | head -c 20 > head.txt; "
        + "echo \"${PIPESTATUS[0]}\"",
      in: dir)
    #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(result)")
    #expect(result.stderr.isEmpty, "\(result)")
  }

  /// A standard output that cannot be written (closed): `Error:` and status 1, for every command
  /// that prints its result there (on b402d5a: status 0 and nothing said).
  @Test(arguments: [
    ["perplexity", "--model", "m.safetensors", "corpus.txt", "--json"],
    ["perplexity", "--model", "m.safetensors", "corpus.txt"],
    ["sample", "--model", "m.safetensors", "--length", "50"],
    ["info", "m.safetensors"],
  ])
  func closedStandardOutputIsAnError(arguments: [String]) throws {
    let dir = try ScratchDirectory("stdout-closed")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    try train(corpus, model: dir.path("m.safetensors"))
    let result = try ShellRunner.run("\"$C\" \(arguments.joined(separator: " ")) >&-", in: dir)
    #expect(!result.uncaughtSignal && result.status == 1, "\(result)")
    #expect(
      result.stderrLines.last == "Error: cannot write to standard output: Bad file descriptor", "\(result)")
  }

  /// `train --json >&-`: the summary is not written into a file charlm opened on descriptor 1
  /// (the metrics log, the model), and the closed output is reported.
  @Test func closedStandardOutputNeverReceivesAFile() throws {
    let dir = try ScratchDirectory("stdout-closed-train")
    try dir.write("corpus.txt", text: Corpus.text())
    let flags = (tinyModel + ["--steps", "5", "--json", "--quiet"]).joined(separator: " ")
    let result = try ShellRunner.run("\"$C\" train corpus.txt --model m.safetensors \(flags) >&-", in: dir)
    #expect(result.status == 1 && result.stderr.contains("Bad file descriptor"), "\(result)")
    let log = try String(contentsOfFile: dir.path("m.safetensors.metrics.jsonl"), encoding: .utf8)
    #expect(!log.contains("stop_reason"), "the JSON summary went into the metrics log")
    try runOK(["info", dir.path("m.safetensors")])
  }

  /// SIGINT, SIGTERM and SIGHUP (a closed terminal) all stop training with a save (SIGHUP
  /// killed the run without one on b402d5a).
  @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
  func stopSignalsSave(signal: Int32) throws {
    let dir = try ScratchDirectory("stop-signal")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    let running = try CLIRunner.start(
      ["train", corpus, "--model", model] + tinyModel + ["--steps", "1000000", "--eval-every", "0"])
    let started = running.poll(timeout: 30) { running.stderrSoFar.contains("step ") }
    try #require(started, "no progress within 30 s; stderr:\n\(running.stderrSoFar)")
    running.send(signal)
    let result = try running.wait(timeout: 20)
    #expect(!result.uncaughtSignal && result.status == 1, "\(result)")
    #expect(result.stderrLines.last?.hasPrefix("Error: interrupted at step ") == true, "\(result)")
    #expect(FileManager.default.fileExists(atPath: model), "no model saved after signal \(signal)")
  }
}

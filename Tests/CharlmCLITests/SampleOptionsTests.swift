import Foundation
import Testing

/// `charlm sample` for real use: --count, --stop, --prime-file, --max-time and -i.
@Suite struct SampleOptionsTests {
  /// A tiny model trained once for every test of the suite (read-only after creation).
  nonisolated(unsafe) static let fixture: Result<(ScratchDirectory, String), any Error> = Result {
    let dir = try ScratchDirectory("sample-options")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("model.safetensors")
    try train(corpus, model: model, steps: 15, extra: ["--no-metrics"])
    return (dir, model)
  }

  func sample(_ arguments: [String], stdin: Data? = nil) throws -> String {
    let (_, model) = try Self.fixture.get()
    let result = try CLIRunner.run(["sample", "--model", model] + arguments, stdin: stdin)
    try #require(result.succeeded, "\(result)")
    return try #require(String(validating: result.stdoutData, as: UTF8.self), "output is not UTF-8")
  }

  @Test("--count N: N samples, sample i as --seed S+i alone, separated by a blank line")
  func count() throws {
    let batched = try sample(["--prime", "The ", "--length", "25", "--count", "3", "--seed", "7"])
    let singles = try (7...9).map { try sample(["--prime", "The ", "--length", "25", "--seed", "\($0)"]) }
    #expect(batched == singles.joined(separator: "\n"))
  }

  @Test("--stop ends a sample at the first stop string, which is printed")
  func stop() throws {
    let output = try sample(["--length", "400", "--stop", "e", "--stop", "\\n", "--seed", "2"])
    // Without --prime generation starts after a newline (not printed).
    let generated = try #require(output.hasSuffix("\n") ? output.dropLast() : nil)
    #expect(generated.hasSuffix("e") || generated.hasSuffix("\n"), "\(output.debugDescription)")
    #expect(!generated.dropLast().contains("e") && !generated.dropLast().contains("\n"), "\(output.debugDescription)")
    let three = try sample(["--length", "400", "--stop", "e", "--count", "3"])
    #expect(
      three.split(separator: "\n\n", omittingEmptySubsequences: false).allSatisfy {
        $0.hasSuffix("e") || $0.hasSuffix("e\n")
      })
  }

  @Test("--prime-file gives what --prime gives")
  func primeFile() throws {
    let (dir, _) = try Self.fixture.get()
    let prime = "Café 我们\nThe "
    let file = try dir.write("prime.txt", text: prime)
    let fromFile = try sample(["--prime-file", file, "--length", "30"])
    #expect(fromFile == (try sample(["--prime", prime, "--length", "30"])))
    #expect(fromFile.hasPrefix(prime))
  }

  @Test("--max-time stops a very long sample in time, with whole symbols")
  func maxTime() throws {
    let output = try sample(["--length", "1000000000", "--max-time", "0.3"])
    #expect(output.hasSuffix("\n") && !output.contains("\u{FFFD}"))
  }

  @Test("-i: one continuation per line of standard input, without the prime")
  func interactive() throws {
    let output = try sample(["-i", "--length", "20", "--seed", "4"], stdin: Data("The \n我们\n".utf8))
    // Line j uses seed 4 + j.
    let expected = try [("The ", 4), ("我们", 5)].map { prime, seed in
      String(try sample(["--prime", prime, "--length", "20", "--seed", "\(seed)"]).dropFirst(prime.count))
    }
    #expect(output == expected.joined())
  }

  @Test("bad combinations are one-line errors")
  func errors() throws {
    let (_, model) = try Self.fixture.get()
    for (arguments, mention) in [
      (["--count", "0"], "--count"), (["--stop", ""], "--stop"), (["--max-time", "0"], "--max-time"),
      (["--prime", "a", "--prime-file", "x"], "--prime-file"), (["-i", "--prime", "a"], "-i"),
    ] {
      expectOneLineError(
        try CLIRunner.run(["sample", "--model", model] + arguments), mentions: [mention], usageAllowed: true)
    }
  }
}

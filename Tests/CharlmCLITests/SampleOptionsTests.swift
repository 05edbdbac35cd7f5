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
    // Each of --count's samples stops on its own: one JSON line per sample (a split of the
    // plain output on blank lines failed when a sample held a blank line of its own).
    let three = try sample(["--length", "400", "--stop", "e", "--count", "3", "--seed", "5", "--json"])
    let lines = three.split(separator: "\n")
    #expect(lines.count == 3, "\(three.debugDescription)")
    for line in lines {
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
      let text = try #require(object["text"] as? String, "\(line)")
      #expect(object["stop"] as? String == "stop" && text.hasSuffix("e"), "\(line)")
      #expect(!text.dropLast().contains("e"), "\(line)")
    }
  }

  @Test("--prime-file gives what --prime gives")
  func primeFile() throws {
    let (dir, _) = try Self.fixture.get()
    let prime = "Café 我们\nThe "
    let file = try dir.write("prime.txt", text: prime)
    let fromFile = try sample(["--prime-file", file, "--length", "30", "--seed", "3"])
    #expect(fromFile == (try sample(["--prime", prime, "--length", "30", "--seed", "3"])))
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

  @Test("without --seed the seed is random, said on stderr, and --seed N repeats the text")
  func randomSeed() throws {
    let (_, model) = try Self.fixture.get()
    let runs = try (0..<2).map { _ in try CLIRunner.run(["sample", "--model", model, "--length", "40"]) }
    let seeds = try runs.map { run in
      try #require(run.succeeded, "\(run)")
      let line = try #require(run.stderrLines.first { $0.hasPrefix("charlm: seed ") }, "\(run)")
      return try #require(UInt64(line.dropFirst("charlm: seed ".count)), "\(line)")
    }
    #expect(seeds[0] != seeds[1], "two runs drew the same seed \(seeds[0])")
    for (run, seed) in zip(runs, seeds) {
      #expect(run.stdoutData == (try sample(["--length", "40", "--seed", "\(seed)"])).data(using: .utf8))
    }
    let fixed = try CLIRunner.run(["sample", "--model", model, "--length", "5", "--seed", "1"])
    #expect(fixed.succeeded && fixed.stderr.isEmpty, "\(fixed)")
  }

  @Test("--json: one object per sample per line, whose seed alone repeats its text", arguments: [1, 3])
  func json(count: Int) throws {
    // The prime and a stop string that make blank lines inside samples.
    let prime = "a\n\nThe "
    let output = try sample([
      "--prime", prime, "--length", "60", "--count", "\(count)", "--stop", "e", "--json", "--seed", "11",
    ])
    let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == count + 1 && lines.last == "", "\(output.debugDescription)")
    for (i, line) in lines.dropLast().enumerated() {
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
      let text = try #require(object["text"] as? String)
      let seed = try #require((object["seed"] as? NSNumber)?.uint64Value)
      #expect(seed == 11 + UInt64(i))
      #expect(object["prime"] as? String == prime)
      #expect((object["symbols"] as? Int).map { $0 > 0 && $0 <= 60 } == true, "\(line)")
      let stop = try #require(object["stop"] as? String)
      #expect(stop == (text.hasSuffix("e") ? "stop" : "length"), "\(line)")
      let alone = try sample(["--prime", prime, "--length", "60", "--stop", "e", "--seed", "\(seed)"])
      #expect(alone == prime + text + "\n")
    }
    let timed = try sample(["--length", "1000000000", "--max-time", "0.2", "--json", "--seed", "1"])
    #expect(timed.contains("\"stop\":\"time\""), "\(timed.suffix(200))")
  }

  @Test("off (--min-p 0, --repetition-penalty 1) the filters change no symbol of a seeded sample")
  func filtersOff() throws {
    for extra in [[], ["--top-k", "4"], ["--temperature", "0"], ["--count", "3"]] {
      let plain = try sample(["--length", "200", "--seed", "5"] + extra)
      #expect(
        plain == (try sample(["--length", "200", "--seed", "5", "--min-p", "0", "--repetition-penalty", "1"] + extra)))
    }
  }

  @Test("a repetition penalty breaks a greedy loop on a repetitive text")
  func repetitionPenaltyBreaksLoop() throws {
    let dir = try ScratchDirectory("repetition")
    let corpus = try dir.write("corpus.txt", text: String(repeating: "abcabcabcabc xyz\n", count: 200))
    let model = dir.path("model.safetensors")
    try train(corpus, model: model, steps: 200, extra: ["--no-metrics"])
    func greedy(_ extra: [String]) throws -> String {
      let result = try CLIRunner.run(
        ["sample", "--model", model, "--prime", "abc", "--length", "12", "--temperature", "0"] + extra)
      try #require(result.succeeded, "\(result)")
      return String(result.stdout.dropFirst(3).dropLast())
    }
    let loop = try greedy([])
    let penalized = try greedy(["--repetition-penalty", "1000"])
    // Greedy repeats what the prime has; the penalty makes unseen symbols (x, y, z, space, newline) win.
    #expect(
      Set(penalized).subtracting("abc").count > Set(loop).subtracting("abc").count,
      "\(loop.debugDescription) vs \(penalized.debugDescription)")
  }

  @Test("bad combinations are one-line errors")
  func errors() throws {
    let (_, model) = try Self.fixture.get()
    for (arguments, mention) in [
      (["--count", "0"], "--count"), (["--stop", ""], "--stop"), (["--max-time", "0"], "--max-time"),
      (["--prime", "a", "--prime-file", "x"], "--prime-file"), (["-i", "--prime", "a"], "-i"),
      (["--min-p", "1.5"], "--min-p"), (["--repetition-penalty", "0"], "--repetition-penalty"),
    ] {
      expectOneLineError(
        try CLIRunner.run(["sample", "--model", model] + arguments), mentions: [mention], usageAllowed: true)
    }
  }
}

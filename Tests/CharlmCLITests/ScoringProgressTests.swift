import Testing

@testable import charlm

/// `charlm perplexity`'s progress text, driven by a fake clock.
@Suite struct ScoringProgressTests {
  /// 10 chunks of 1000 symbols, one every `secondsPerChunk`.
  static func render(_ style: ProgressStyle, secondsPerChunk: Double, columns: Int = 80) -> String {
    var text = ""
    let progress = ScoringProgress(
      name: "big.txt", style: style, delay: 1, interval: 5, redrawInterval: 0.2, write: { text += $0 },
      columns: { columns })
    for k in 1...10 { progress.update(predicted: k * 1000, total: 10_000, elapsed: Double(k) * secondsPerChunk) }
    progress.finish()
    return text
  }

  @Test(
    "a text scored within the delay prints nothing; --quiet prints nothing", arguments: [ProgressStyle.live, .lines])
  func silent(style: ProgressStyle) {
    #expect(Self.render(style, secondsPerChunk: 0.09).isEmpty)
    #expect(Self.render(.quiet, secondsPerChunk: 3).isEmpty)
  }

  @Test("not a terminal: a line every 5 seconds after the first second, never the finished 100%")
  func lines() {
    let text = Self.render(.lines, secondsPerChunk: 2)
    #expect(
      text == """
        charlm: big.txt: 10% (1000/10000 symbols), 500 sym/s, 18s left
        charlm: big.txt: 40% (4000/10000 symbols), 500 sym/s, 12s left
        charlm: big.txt: 70% (7000/10000 symbols), 500 sym/s, 6s left

        """)
  }

  @Test("a terminal: one line redrawn in place, erased at the end")
  func live() {
    let text = Self.render(.live, secondsPerChunk: 0.5)
    #expect(!text.contains("\n"))
    #expect(text.hasPrefix("\rcharlm: big.txt: 20% (2000/10000 symbols), 2000 sym/s, 4s left\u{1B}[K"))
    #expect(text.hasSuffix("90% (9000/10000 symbols), 2000 sym/s, 1s left\u{1B}[K\r\u{1B}[K"))
  }

  @Test("a terminal narrower than the line: each redraw is cut to the width − 1, so it never wraps")
  func narrow() {
    let text = Self.render(.live, secondsPerChunk: 0.5, columns: 30)
    #expect(text.hasPrefix("\rcharlm: big.txt: 20% (2000/10\u{1B}[K"))
    #expect(!text.contains("\n"))
  }
}

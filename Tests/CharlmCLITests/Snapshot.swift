import Foundation
import Testing

/// Compares text with a stored snapshot under `Tests/CharlmCLITests/Snapshots/`.
///
/// Set `CHARLM_UPDATE_SNAPSHOTS=1` to (re)write the snapshots from the actual text instead;
/// review the diff before committing it.
enum Snapshot {
  /// The snapshot directory, found from this source file.
  static func directory(filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
  }

  /// True when snapshots are being rewritten.
  static var updating: Bool { ProcessInfo.processInfo.environment["CHARLM_UPDATE_SNAPSHOTS"] == "1" }

  /// Expects `actual` to equal the snapshot `name`, showing the first differing line.
  static func expectMatches(_ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation)
    throws
  {
    let url = directory().appendingPathComponent(name)
    if updating {
      try FileManager.default.createDirectory(at: directory(), withIntermediateDirectories: true)
      try Data(actual.utf8).write(to: url)
      return
    }
    guard let data = try? Data(contentsOf: url) else {
      Issue.record(
        Comment(rawValue: "snapshot \(name) is missing; run the tests with CHARLM_UPDATE_SNAPSHOTS=1 to write it"),
        sourceLocation: sourceLocation)
      return
    }
    let expected = String(decoding: data, as: UTF8.self)
    guard actual != expected else { return }
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let index = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
    let got = index < a.count ? String(a[index]) : "<end>"
    let want = index < e.count ? String(e[index]) : "<end>"
    let message =
      "output differs from snapshot \(name) at line \(index + 1):\n  expected: \(want.debugDescription)\n"
      + "  actual:   \(got.debugDescription)\n(CHARLM_UPDATE_SNAPSHOTS=1 rewrites the snapshots)"
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
  }
}

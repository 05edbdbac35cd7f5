import Foundation
import Testing

/// docs/CLI.md's section "Every command's `--help`" holds each command's help text, so the
/// reference cannot drift from the binary. `CHARLM_UPDATE_SNAPSHOTS=1` rewrites the blocks.
@Suite struct CLIDocsTests {
  static let documentURL = Snapshot.directory().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("docs/CLI.md")

  @Test("docs/CLI.md shows every command's --help exactly")
  func helpSection() throws {
    let original = try String(contentsOf: Self.documentURL, encoding: .utf8)
    var document = original
    for (command, _) in InfoAndHelpTests.commands {
      let heading = command == "charlm" ? "### `charlm`" : "### `charlm \(command)`"
      let block = try InfoAndHelpTests.helpText(command).split(separator: "\n", omittingEmptySubsequences: false)
        .dropLast().map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
      guard let replaced = Self.replacingBlock(after: heading, with: block, in: document) else {
        Issue.record("docs/CLI.md has no heading \(heading) in its --help section")
        continue
      }
      if !Snapshot.updating && replaced != document {
        Issue.record("docs/CLI.md's \(heading) block differs from `--help` (CHARLM_UPDATE_SNAPSHOTS=1 rewrites it)")
      }
      document = replaced
    }
    if Snapshot.updating && document != original { try Data(document.utf8).write(to: Self.documentURL) }
  }

  /// `document` with the indented block that follows `heading` (after one blank line, up to the
  /// next heading) replaced by `block`; nil without the heading.
  static func replacingBlock(after heading: String, with block: String, in document: String) -> String? {
    var lines = document.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(of: heading) else { return nil }
    let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("#") } ?? lines.count
    lines.replaceSubrange(
      (start + 1)..<end,
      with: [""] + block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) + [""])
    return lines.joined(separator: "\n")
  }
}

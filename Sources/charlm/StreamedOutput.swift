import Foundation

/// Standard output that streams: flushed at each newline and at least every 50 ms, so text
/// appears as it is generated without a system call per symbol.
final class StreamedOutput {
  private var buffer: [UInt8] = []
  private var lastFlush = ContinuousClock.now

  func write(_ text: String) {
    buffer.append(contentsOf: text.utf8)
    if text.contains("\n") || ContinuousClock.now - lastFlush > .milliseconds(50) { flush() }
  }

  func flush() {
    // A failed write ends the command (StandardStreams: `Error:` and status 1, or quietly on EPIPE).
    buffer.withUnsafeBufferPointer { StandardStreams.writeOutput($0) }
    buffer.removeAll(keepingCapacity: true)
    lastFlush = .now
  }
}

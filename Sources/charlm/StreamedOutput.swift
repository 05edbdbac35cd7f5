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
    buffer.withUnsafeBufferPointer { p in
      var offset = 0
      while offset < p.count {
        let n = Foundation.write(1, p.baseAddress! + offset, p.count - offset)
        if n <= 0 { break }
        offset += n
      }
    }
    buffer.removeAll(keepingCapacity: true)
    lastFlush = .now
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes to the standard streams with write(2), checking every result, because
/// `FileHandle.write` traps on a closed descriptor or a full disk and `print` ignores errors.
///
/// Standard error is best effort: progress and notes must never stop a run that is training,
/// so a failed write there is dropped (and later ones are not tried). Standard output is the
/// product: a failed write ends the command with `Error:` on standard error and status 1, except
/// a reader that went away (`sample | head`: EPIPE), which ends it quietly with status 0. SIGPIPE
/// is ignored (``ignoreBrokenPipes()``), so a closed pipe is always seen as EPIPE, never a kill.
enum StandardStreams {
  nonisolated(unsafe) private static var standardErrorFailed = false

  /// Puts a read-only placeholder on each of descriptors 0, 1 and 2 that was closed (`>&-`):
  /// else the first file charlm opens (a model, the metrics log) would get that number, and
  /// standard output would be written into it. Writes to the placeholder fail (EBADF), as they
  /// would on the closed descriptor; reads give end of input.
  static func reserveClosedDescriptors() {
    for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
      let placeholder = open("/dev/null", O_RDONLY)
      if placeholder >= 0 && placeholder != descriptor {
        dup2(placeholder, descriptor)
        close(placeholder)
      }
    }
  }

  /// Makes a write to a pipe without a reader fail with EPIPE instead of killing the process.
  static func ignoreBrokenPipes() {
    signal(SIGPIPE, SIG_IGN)
  }

  /// Writes all of `bytes` to `descriptor`; returns 0 on success, else the errno of the failure.
  static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
    var offset = 0
    while offset < bytes.count {
      let n = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        return errno
      }
      if n == 0 { return EIO }
      offset += n
    }
    return 0
  }

  /// Best effort: `text` to standard error, dropped when it cannot be written.
  static func writeError(_ text: String) {
    guard !standardErrorFailed else { return }
    var text = text
    let failure = text.withUTF8 { writeAll(2, UnsafeRawBufferPointer($0)) }
    if failure != 0 { standardErrorFailed = true }
  }

  /// `text` to standard output; on failure the process ends (see the type's comment).
  static func writeOutput(_ text: String) {
    var text = text
    let failure = text.withUTF8 { writeAll(1, UnsafeRawBufferPointer($0)) }
    check(failure)
  }

  /// `bytes` to standard output; on failure the process ends (see the type's comment).
  static func writeOutput(_ bytes: UnsafeBufferPointer<UInt8>) {
    check(writeAll(1, UnsafeRawBufferPointer(bytes)))
  }

  /// Ends the process as documented when `failure` (an errno, 0 for success) is a failed write
  /// to standard output.
  static func check(_ failure: Int32) {
    guard failure != 0 else { return }
    if failure == EPIPE { exit(0) }
    writeError("Error: cannot write to standard output: \(String(cString: strerror(failure)))\n")
    exit(1)
  }
}

/// Prints `line` and a newline on standard output (see ``StandardStreams/writeOutput(_:)-(String)``).
func printLine(_ line: String) {
  StandardStreams.writeOutput(line + "\n")
}

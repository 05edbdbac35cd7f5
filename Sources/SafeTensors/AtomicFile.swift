#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Atomic replacement of a file: write a temporary file in the same directory, flush it,
/// rename it over the target, flush the directory.
public enum AtomicFile {
  /// A step at which a test can make the write fail, to check that nothing is left behind.
  public enum Fault: Sendable, CaseIterable {
    /// Fail after the temporary file is created, before anything is written.
    case afterCreate
    /// Fail after writing part of the bytes (as a full disk would).
    case midWrite
    /// Fail at the `fsync` of the temporary file.
    case sync
    /// Fail just before the `rename` over the target.
    case rename
  }

  /// Writes `bytes` to `path` atomically; on failure the temporary file is removed and any
  /// previous file at `path` is unchanged.
  /// - Parameter fault: for tests only: the step at which to fail as if the system had.
  public static func write(_ bytes: [UInt8], to path: String, fault: Fault? = nil) throws(CheckpointError) {
    let (directory, name) = split(path)
    let temporary =
      (directory.map { $0 + "/" } ?? "")
      + ".\(name).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"

    func failure(_ step: String, _ code: Int32) -> CheckpointError {
      .writeFailed(source: path, step: step, reason: systemMessage(code))
    }

    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard fd >= 0 else { throw failure("creating the temporary file \(temporary)", errno) }
    var closed = false
    do throws(CheckpointError) {
      if fault == .afterCreate { throw failure("writing", EIO) }
      try writeAll(bytes, to: fd, failingMidway: fault == .midWrite, failure: { failure("writing", $0) })
      if fault == .sync { throw failure("flushing (fsync)", EIO) }
      guard fsync(fd) == 0 else { throw failure("flushing (fsync)", errno) }
      closed = true
      guard close(fd) == 0 else { throw failure("closing", errno) }
      if fault == .rename { throw failure("renaming over the target", EIO) }
      guard rename(temporary, path) == 0 else { throw failure("renaming over the target", errno) }
    } catch {
      if !closed { close(fd) }
      unlink(temporary)
      throw error
    }
    syncDirectory(directory ?? ".")
    removeStaleTemporaries(of: name, in: directory ?? ".")
  }

  /// Removes `.<name>.tmp-<pid>-*` files left by writers that were killed (SIGKILL, power
  /// loss) before their rename, when no process with that pid is running. Best effort; a file
  /// of a live process (another charlm writing the same model) is left alone.
  static func removeStaleTemporaries(of name: String, in directory: String) {
    let prefix = ".\(name).tmp-"
    guard let dir = opendir(directory) else { return }
    defer { closedir(dir) }
    while let entry = readdir(dir) {
      let entryName = withUnsafeBytes(of: entry.pointee.d_name) {
        String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
      }
      guard entryName.hasPrefix(prefix) else { continue }
      let rest = entryName.dropFirst(prefix.count)
      guard let dash = rest.firstIndex(of: "-"), let pid = Int32(rest[..<dash]), pid > 0, pid != getpid() else {
        continue
      }
      if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory + "/" + entryName) }
    }
  }

  /// Writes every byte, retrying partial writes and interrupted calls.
  private static func writeAll(
    _ bytes: [UInt8], to fd: Int32, failingMidway: Bool, failure: (Int32) -> CheckpointError
  ) throws(CheckpointError) {
    let result: CheckpointError? = bytes.withUnsafeBytes { buffer in
      let limit = failingMidway ? buffer.count / 2 : buffer.count
      var written = 0
      while written < limit {
        let n = systemWrite(fd, buffer.baseAddress! + written, limit - written)
        if n < 0 {
          if errno == EINTR { continue }
          return failure(errno)
        }
        written += n
      }
      return failingMidway ? failure(ENOSPC) : nil
    }
    if let result { throw result }
  }

  /// Flushes the directory entry of a rename to disk; best effort (some file systems refuse).
  private static func syncDirectory(_ directory: String) {
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
  }

  /// Splits a path into its directory (nil for a bare file name) and last component. (Not
  /// `NSString.deletingLastPathComponent`: Foundation on Linux traps on a one-character path.)
  public static func split(_ path: String) -> (directory: String?, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (nil, path) }
    let directory = String(path[..<slash])
    return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
  }
}

/// `write(2)`, named apart from the members called `write` in this module.
@inline(__always)
func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  write(fd, buffer, count)
}

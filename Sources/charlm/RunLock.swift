import Foundation
import SafeTensors

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One `train` per model file: an exclusive `flock` on `.<name>.lock` beside the model, held
/// until the process ends (the kernel releases it on any exit, kill -9 included), with the
/// holder's pid written in it so that a second run can name it.
///
/// The lock file stays after the run: removing it while locked would let a third run lock a
/// new file of the same name while the second still holds the old one.
enum RunLock {
  /// Descriptors of the locks this process holds; never closed, so the locks last the run.
  nonisolated(unsafe) private static var held: [Int32] = []

  /// The lock file of the model at `modelPath`.
  static func path(forModel modelPath: String) -> String {
    let (parent, name) = AtomicFile.split(modelPath)
    return (parent.map { $0 + "/" } ?? "") + ".\(name).lock"
  }

  /// Fails, naming the holder, when another process holds the lock of the model at `modelPath`;
  /// creates nothing (so a run refused for another reason leaves no lock file behind).
  static func checkNotHeld(forModel modelPath: String) throws {
    let fd = open(path(forModel: modelPath), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard fd >= 0 else { return }
    defer { close(fd) }
    if flock(fd, LOCK_EX | LOCK_NB) != 0 { throw inUse(modelPath, holder: readPID(fd)) }
  }

  /// Takes the lock of the model at `modelPath` for the rest of the process.
  /// - Throws: ``CLIFailure`` naming the holder's pid when another process holds it.
  static func acquire(forModel modelPath: String) throws {
    let lockPath = path(forModel: modelPath)
    var info = stat()
    if lstat(lockPath, &info) == 0 && info.st_mode & S_IFMT != S_IFREG {
      throw CLIFailure("\(lockPath) (the lock of --model) is not a regular file; remove it first")
    }
    let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
    guard fd >= 0 else {
      throw CLIFailure(
        "cannot create the lock file \(lockPath) (\(String(cString: strerror(errno)))); check the directory's permissions"
      )
    }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      let holder = readPID(fd)
      close(fd)
      throw inUse(modelPath, holder: holder)
    }
    let text = Array("\(getpid())\n".utf8)
    _ = ftruncate(fd, 0)
    _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
    held.append(fd)
  }

  /// The error for a model another run holds.
  private static func inUse(_ modelPath: String, holder: Int32?) -> CLIFailure {
    CLIFailure(
      "--model \(modelPath) is in use by another charlm train\(holder.map { " (pid \($0))" } ?? ""); "
        + "wait for it to finish, or stop it first")
  }

  /// The pid written in a lock file, if it holds one.
  private static func readPID(_ fd: Int32) -> Int32? {
    var buffer = [UInt8](repeating: 0, count: 32)
    let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 31, 0) }
    guard n > 0 else { return nil }
    return Int32(String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
  }
}

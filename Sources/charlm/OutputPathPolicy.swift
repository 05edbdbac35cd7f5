#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What an output flag besides `--model` (`encode --output`, `plot --output`) may name, checked
/// before any work: absent, an empty file, or a regular file that already holds what the command
/// writes (recognized by its first bytes). The corpus, another file, a FIFO, a device or a
/// symbolic link is refused with one line and left alone, as `train --model` does with models.
enum OutputPathPolicy {
  /// Fails unless `path` may be replaced by a `kind` file whose contents start with `signature`.
  static func check(_ path: String, flag: String, kind: String, signature: [UInt8]) throws {
    guard !path.isEmpty else { throw CLIFailure("\(flag) is empty; give the path of the \(kind) to write") }
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw CLIFailure("\(flag) \(path) exists and is not a regular file; refusing to replace it — give another path")
    }
    guard info.st_size > 0 else { return }
    var head = [UInt8](repeating: 0, count: signature.count)
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    let n = fd >= 0 ? head.withUnsafeMutableBytes { read(fd, $0.baseAddress!, signature.count) } : -1
    if fd >= 0 { close(fd) }
    guard n == signature.count && head == signature else {
      throw CLIFailure(
        "\(flag) \(path) exists and is not a \(kind); refusing to replace it — give another path, or remove the file yourself"
      )
    }
  }
}

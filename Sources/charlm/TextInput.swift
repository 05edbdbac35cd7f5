import Foundation
import Tokenization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a user's text as bytes — a file, `-` for standard input, or several of them joined —
/// with one clear message for each way it can fail, naming the file.
enum TextInput {
  /// The name `-` stands for in messages.
  static let standardInputName = "standard input"

  /// The bytes of the file at `path` (`-`: all of standard input).
  /// - Throws: ``CLIFailure`` for a missing file, a directory, an unreadable or empty file.
  static func read(_ path: String, what: String) throws -> [UInt8] {
    if path == "-" { return try readStandardInput(what: what) }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw CLIFailure("\(what) \(path) does not exist; check the path")
    }
    if isDirectory.boolValue {
      throw CLIFailure("\(what) \(path) is a directory; give the path of a text file")
    }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw CLIFailure("cannot read \(what) \(path): permission denied or unreadable; check its permissions")
    }
    defer { try? handle.close() }
    let data: Data
    do {
      data = try handle.readToEnd() ?? Data()
    } catch {
      throw CLIFailure("cannot read \(what) \(path): \(error.localizedDescription)")
    }
    if data.isEmpty { throw CLIFailure("\(what) \(path) is empty; give a file with some text") }
    return [UInt8](data)
  }

  /// All of standard input, which must hold some text.
  static func readStandardInput(what: String) throws -> [UInt8] {
    let data: Data
    do {
      data = try FileHandle.standardInput.readToEnd() ?? Data()
    } catch {
      throw CLIFailure("cannot read \(what) from standard input: \(error.localizedDescription)")
    }
    if data.isEmpty { throw CLIFailure("\(what) on standard input (-) is empty; pipe some text in") }
    return [UInt8](data)
  }

  /// `path` as messages name it (`-` is standard input).
  static func displayName(_ path: String) -> String { path == "-" ? standardInputName : path }

  /// Fails when `-` is among `paths` more than once (standard input can be read only once).
  static func checkStandardInputOnce(_ paths: [String]) throws {
    if paths.filter({ $0 == "-" }).count > 1 {
      throw CLIFailure("- (standard input) is given more than once; it can be read only once")
    }
  }
}

// MARK: - Several inputs joined

extension TextInput {
  /// Several inputs read as one text.
  struct Joined {
    /// The files' bytes, in order, each after the first without its byte-order mark and
    /// preceded by a newline when the one before does not end in a line break.
    var bytes: [UInt8]
    /// The files read, in order (`-` for standard input), directories expanded.
    var files: [String]
    /// How messages name the whole text: the one path, or `a.txt + b.txt`, or `N files`.
    var name: String
  }

  /// The text of `paths`, joined in the order given. A directory stands for its regular files
  /// (not hidden ones, not its subdirectories), in the byte order of their names; `-` is
  /// standard input (once at most). Each file must be non-empty UTF-8; an error names the file
  /// and, for invalid UTF-8, the byte offset within it.
  static func read(_ paths: [String], what: String) throws -> Joined {
    precondition(!paths.isEmpty)
    try checkStandardInputOnce(paths)
    var files: [String] = []
    for path in paths { files += try expand(path, what: what) }
    var bytes: [UInt8] = []
    for (index, file) in files.enumerated() {
      var text = try read(file, what: what)
      if let offset = firstInvalidUTF8Offset(text) {
        throw CLIFailure(
          TokenizationError.invalidUTF8(
            source: displayName(file), offset: offset, bytes: Array(text[offset..<min(offset + 4, text.count)])
          ).description)
      }
      if index > 0 {
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text.removeFirst(3) }
        if let last = bytes.last, last != 0x0A, last != 0x0D { bytes.append(0x0A) }
      }
      bytes += text
    }
    let name =
      files.count == 1
      ? displayName(files[0])
      : files.count <= 3 ? files.map(displayName).joined(separator: " + ") : "\(files.count) files"
    return Joined(bytes: bytes, files: files, name: name)
  }

  /// `path` itself, or a directory's regular files (names in byte order, hidden ones skipped).
  static func expand(_ path: String, what: String) throws -> [String] {
    var isDirectory: ObjCBool = false
    guard path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else { return [path] }
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: path)
    } catch {
      throw CLIFailure("cannot list \(what) directory \(path): permission denied or unreadable; check its permissions")
    }
    let directory = path.hasSuffix("/") ? path : path + "/"
    let files = names.filter { !$0.hasPrefix(".") }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
      .map { directory + $0 }.filter(isRegularFile)
    if files.isEmpty {
      throw CLIFailure("\(what) directory \(path) holds no regular file; give a directory of text files")
    }
    return files
  }

  /// True for a regular file, or a link to one (not a directory, FIFO or device).
  static func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
  }
}

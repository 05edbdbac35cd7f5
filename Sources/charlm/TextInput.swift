import Foundation

/// Reads a user's text file as bytes, with one clear message for each way it can fail.
enum TextInput {
  /// The bytes of the file at `path`.
  /// - Throws: ``CLIFailure`` for a missing file, a directory, an unreadable or empty file.
  static func read(_ path: String, what: String) throws -> [UInt8] {
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
}

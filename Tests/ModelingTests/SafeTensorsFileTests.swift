import Foundation
import Testing

@testable import Modeling
@testable import SafeTensors

/// The names in `directory`, hidden files included, sorted.
func directoryListing(_ directory: String) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
}

/// The bytes of the file at `path`.
func fileBytes(_ path: String) throws -> [UInt8] {
  try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
}

@Suite("SafeTensors archive: files and atomic writes")
struct SafeTensorsFileTests {
  // MARK: - Reading files

  @Test func writeThenReadRoundTrips() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/model.safetensors"
      let archive = sampleArchive()
      try archive.write(to: path)
      #expect(try SafeTensorsArchive.read(from: path) == archive)
      #expect(try fileBytes(path) == archive.encoded())
      #expect(try directoryListing(directory) == ["model.safetensors"])
    }
  }

  @Test func overwritingReplacesTheOldFile() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/model.safetensors"
      try sampleArchive().write(to: path)
      let small = SafeTensorsArchive(tensors: ["w": TensorData(shape: [1], values: [3])], metadata: ["v": "2"])
      try small.write(to: path)
      #expect(try SafeTensorsArchive.read(from: path) == small)
      #expect(try directoryListing(directory) == ["model.safetensors"])
    }
  }

  @Test func relativePathsWork() throws {
    try withTemporaryDirectory { directory in
      let previous = FileManager.default.currentDirectoryPath
      #expect(FileManager.default.changeCurrentDirectoryPath(directory))
      defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
      try sampleArchive().write(to: "relative.safetensors")
      #expect(try SafeTensorsArchive.read(from: "relative.safetensors") == sampleArchive())
    }
  }

  @Test func missingFile() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/nothing.safetensors"
      #expect(throws: CheckpointError.fileNotFound(source: path)) { try SafeTensorsArchive.read(from: path) }
    }
  }

  @Test func pathThroughAFile() throws {
    try withTemporaryDirectory { directory in
      let file = directory + "/plain"
      #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
      #expect(throws: CheckpointError.fileNotFound(source: file + "/m.safetensors")) {
        try SafeTensorsArchive.read(from: file + "/m.safetensors")
      }
    }
  }

  @Test func directoryIsRefused() throws {
    try withTemporaryDirectory { directory in
      #expect(throws: CheckpointError.notARegularFile(source: directory, kind: "directory")) {
        try SafeTensorsArchive.read(from: directory)
      }
    }
  }

  @Test func fifoIsRefusedWithoutHanging() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/fifo"
      #expect(mkfifo(path, 0o600) == 0)
      #expect(throws: CheckpointError.notARegularFile(source: path, kind: "special file")) {
        try SafeTensorsArchive.read(from: path)
      }
    }
  }

  @Test func emptyAndTruncatedFilesOnDisk() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/model.safetensors"
      #expect(FileManager.default.createFile(atPath: path, contents: Data()))
      #expect(throws: CheckpointError.empty(source: path)) { try SafeTensorsArchive.read(from: path) }
      let full = sampleArchive().encoded()
      try Data(full.prefix(full.count - 1)).write(to: URL(fileURLWithPath: path))
      #expect(
        throws: CheckpointError.truncated(
          source: path, part: .data, expected: UInt64(full.count - 8 - headerLength(full)),
          available: full.count - 9 - headerLength(full))
      ) {
        try SafeTensorsArchive.read(from: path)
      }
    }
  }

  // MARK: - Atomic writes

  @Test(arguments: AtomicFile.Fault.allCases)
  func failedWriteLeavesTheOldFileAndNoTemporaryFile(fault: AtomicFile.Fault) throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/model.safetensors"
      let old = SafeTensorsArchive(tensors: ["w": TensorData(shape: [2], values: [1, 2])], metadata: ["run": "old"])
      try old.write(to: path)
      let before = try fileBytes(path)
      let new = sampleArchive()
      #expect(throws: CheckpointError.self) { try AtomicFile.write(new.encoded(), to: path, fault: fault) }
      #expect(try fileBytes(path) == before)
      #expect(try directoryListing(directory) == ["model.safetensors"])
    }
  }

  @Test(arguments: AtomicFile.Fault.allCases)
  func failedFirstWriteLeavesNothing(fault: AtomicFile.Fault) throws {
    try withTemporaryDirectory { directory in
      #expect(throws: CheckpointError.self) {
        try AtomicFile.write(sampleArchive().encoded(), to: directory + "/model.safetensors", fault: fault)
      }
      let listing = try directoryListing(directory)
      #expect(listing == [])
    }
  }

  @Test func injectedFailureMessageNamesTheFileAndStep() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/model.safetensors"
      do throws(CheckpointError) {
        try AtomicFile.write([1, 2, 3], to: path, fault: .midWrite)
        Issue.record("the write should have failed")
      } catch {
        #expect(error == .writeFailed(source: path, step: "writing", reason: String(cString: strerror(ENOSPC))))
        #expect(error.description.hasPrefix("cannot write \(path): writing failed: "))
        #expect(error.description.contains("previous file at that path is unchanged"))
      }
    }
  }

  @Test func writingIntoAMissingDirectoryFails() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/no/such/dir/model.safetensors"
      do throws(CheckpointError) {
        try sampleArchive().write(to: path)
        Issue.record("the write should have failed")
      } catch {
        guard case .writeFailed(let source, let step, _) = error else {
          Issue.record("unexpected error \(error)")
          return
        }
        #expect(source == path)
        #expect(step.hasPrefix("creating the temporary file"))
      }
      let listing = try directoryListing(directory)
      #expect(listing == [])
    }
  }

  @Test func writingOverADirectoryFailsAndCleansUp() throws {
    // A real failure at the rename step, even when the tests run as root.
    try withTemporaryDirectory { directory in
      let target = directory + "/model.safetensors"
      try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
      do throws(CheckpointError) {
        try sampleArchive().write(to: target)
        Issue.record("the write should have failed")
      } catch {
        guard case .writeFailed(_, let step, _) = error else {
          Issue.record("unexpected error \(error)")
          return
        }
        #expect(step == "renaming over the target")
      }
      #expect(try directoryListing(directory) == ["model.safetensors"])
      #expect(try directoryListing(target) == [])
    }
  }

  @Test func temporaryNamesAreHiddenAndBesideTheTarget() {
    #expect(AtomicFile.split("a/b/model.safetensors") == ("a/b", "model.safetensors"))
    #expect(AtomicFile.split("/model.safetensors") == ("/", "model.safetensors"))
    #expect(AtomicFile.split("model.safetensors") == (nil, "model.safetensors"))
  }
}

/// The header length field of an encoded file.
func headerLength(_ bytes: [UInt8]) -> Int {
  var value = 0
  for i in (0..<8).reversed() { value = value << 8 | Int(bytes[i]) }
  return value
}

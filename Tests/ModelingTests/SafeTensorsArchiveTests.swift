import Foundation
import Testing

@testable import Modeling
@testable import SafeTensors

// MARK: - Helpers

/// A fresh empty directory, removed when `body` returns.
@discardableResult
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("charlm-safetensors-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
  defer { try? FileManager.default.removeItem(at: url) }
  return try body(url.path)
}

/// The path of a committed fixture file.
func fixturePath(_ name: String) -> String {
  Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
}

/// An archive exercising the corners of the format: odd shapes, special float values, names
/// and metadata that need JSON escaping.
func sampleArchive() -> SafeTensorsArchive {
  let special: [Float] = [
    0, -0.0, 1, -1, .infinity, -.infinity, .nan, Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0xFFA0_0001),
    .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, .pi, 1e-30, 12345.678,
  ]
  var values: [Float] = []
  for i in 0..<24 { values.append(special[i % special.count] * (i < special.count ? 1 : -1)) }
  return SafeTensorsArchive(
    tensors: [
      "embedding.weight": TensorData(shape: [4, 6], values: values),
      "rnn.bias_ih_l0": TensorData(shape: [3], values: [0.5, -0.25, 8]),
      "scalar": TensorData(shape: [], values: [42.5]),
      "empty": TensorData(shape: [0], values: []),
      "empty.3d": TensorData(shape: [3, 0, 2], values: []),
      "naïve \"quoted\"\\ ✓ 汉字 😀\n\t\u{1}": TensorData(shape: [1, 1], values: [-7]),
    ],
    metadata: [
      "charlm.format_version": "1",
      "charlm.config": #"{"cell": "lstm", "vocab_size": 3, "layers": 1}"#,
      "charlm.vocab": #"["\n", " ", "é", "\"", "\\", "👍🏽"]"#,
      "empty value": "",
      "": "empty key",
      "control \u{7}\r": "line\nbreak\u{0}nul",
    ])
}

// MARK: - Round trip and determinism

@Suite("SafeTensors archive: encoding and decoding")
struct SafeTensorsArchiveTests {
  @Test func roundTripIsBitExact() throws {
    let archive = sampleArchive()
    let decoded = try SafeTensorsArchive.decode(archive.encoded(), source: "memory")
    #expect(decoded == archive)
    #expect(decoded.metadata == archive.metadata)
    for (name, tensor) in archive.tensors {
      let back = try #require(decoded.tensors[name], "tensor \(name) lost")
      #expect(back.shape == tensor.shape)
      #expect(back.values.map(\.bitPattern) == tensor.values.map(\.bitPattern), "tensor \(name)")
    }
  }

  @Test func emptyArchiveRoundTrips() throws {
    let bytes = SafeTensorsArchive().encoded()
    #expect(bytes.count == 16)
    #expect(Array(bytes[8...]) == Array("{}      ".utf8))
    #expect(try SafeTensorsArchive.decode(bytes, source: "memory") == SafeTensorsArchive())
  }

  @Test func encodingIsDeterministicAndIndependentOfInsertionOrder() {
    let a = sampleArchive()
    var b = SafeTensorsArchive()
    for name in a.tensors.keys.sorted().reversed() { b.tensors[name] = a.tensors[name] }
    for key in a.metadata.keys.sorted().reversed() { b.metadata[key] = a.metadata[key] }
    #expect(a.encoded() == b.encoded())
    #expect(a.encoded() == a.encoded())
  }

  @Test func tensorsAreWrittenInByteOrderOfTheirNames() throws {
    let names = ["b", "a", "B", "é", "e", "a.b", "a_b", "z"]
    var archive = SafeTensorsArchive()
    for (i, name) in names.enumerated() { archive.tensors[name] = TensorData(shape: [1], values: [Float(i)]) }
    let expected = names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    #expect(archive.orderedTensorNames == expected)
    let bytes = archive.encoded()
    let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
    let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
    var positions: [String.Index] = []
    for name in expected { positions.append(try #require(header.range(of: "\"\(name)\":{")).lowerBound) }
    #expect(positions == positions.sorted())
  }

  @Test(arguments: 0..<17)
  func dataStartsAtAnEightByteBoundary(nameLength: Int) throws {
    let archive = SafeTensorsArchive(
      tensors: [String(repeating: "x", count: nameLength): TensorData(shape: [2], values: [1, 2])],
      metadata: nameLength % 2 == 0 ? [:] : ["k": String(repeating: "v", count: nameLength)])
    let bytes = archive.encoded()
    var headerLength = 0
    for i in (0..<8).reversed() { headerLength = headerLength << 8 | Int(bytes[i]) }
    #expect((8 + headerLength) % 8 == 0)
    #expect(bytes.count == 8 + headerLength + 8)
    // The header is JSON up to its closing brace, then only space padding (fewer than 8).
    let header = Array(bytes[8..<(8 + headerLength)])
    let close = try #require(header.lastIndex(of: UInt8(ascii: "}")))
    #expect(header[(close + 1)...].allSatisfy { $0 == UInt8(ascii: " ") })
    #expect(header.count - close - 1 < 8)
  }

  @Test func littleEndianDataLayout() {
    let archive = SafeTensorsArchive(tensors: ["w": TensorData(shape: [2], values: [1, -2])])
    let bytes = archive.encoded()
    #expect(Array(bytes.suffix(8)) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
  }

  @Test func tensorEqualityIsBitwise() {
    #expect(TensorData(shape: [1], values: [.nan]) == TensorData(shape: [1], values: [.nan]))
    #expect(TensorData(shape: [1], values: [0]) != TensorData(shape: [1], values: [-0.0]))
    #expect(TensorData(shape: [2], values: [1, 2]) != TensorData(shape: [1, 2], values: [1, 2]))
    #expect(TensorData(shape: [2, 0], repeating: 3).values.isEmpty)
  }

  // MARK: - Files written by Python

  @Test func readsTheFileWrittenByPythonSafetensors() throws {
    let path = fixturePath("python_f32.safetensors")
    let archive = try SafeTensorsArchive.read(from: path)
    #expect(archive.metadata == ["charlm.format_version": "1", "note": "héllo \"quoted\" ✓ \\ back\nslash"])
    #expect(Set(archive.tensors.keys) == ["embedding.weight", "head.bias", "scale"])
    let expected: [String: TensorData] = [
      "embedding.weight": TensorData(shape: [3, 2], values: [1, -2.5, 0, -0.0, 3.1415927, Float(bitPattern: 1)]),
      "head.bias": TensorData(shape: [3], values: [0.5, -1, .greatestFiniteMagnitude]),
      "scale": TensorData(shape: [], values: [7.25]),
    ]
    #expect(archive.tensors == expected)
    // Our writer produces the very bytes Python's writer did.
    let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(archive.encoded() == original)
  }

  @Test func refusesTheF16FileWrittenByPython() {
    let path = fixturePath("python_f16.safetensors")
    #expect(throws: CheckpointError.unsupportedDType(source: path, name: "half", dtype: "F16")) {
      try SafeTensorsArchive.read(from: path)
    }
  }

  // MARK: - Python reads our files

  /// Writes the sample archive and checks, with Python's `safetensors`, every value bit for bit
  /// and the metadata. Skipped when python3 with safetensors and numpy is not installed.
  @Test(.enabled(if: PythonInterop.isAvailable, "needs python3 with safetensors and numpy"))
  func pythonSafetensorsReadsOurFile() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/ours.safetensors"
      let archive = sampleArchive()
      try archive.write(to: path)
      var expected: [String: Any] = [:]
      for (name, tensor) in archive.tensors {
        expected[name] = ["shape": tensor.shape, "bits": tensor.values.map(\.bitPattern)]
      }
      let expectation = String(
        decoding: try JSONSerialization.data(withJSONObject: ["tensors": expected, "metadata": archive.metadata]),
        as: UTF8.self)
      let script = """
        import json, sys
        import numpy as np
        from safetensors import safe_open
        from safetensors.numpy import load_file
        want = json.loads(sys.stdin.read())
        got = load_file(sys.argv[1])
        assert set(got) == set(want["tensors"]), (sorted(got), sorted(want["tensors"]))
        for name, w in want["tensors"].items():
            t = got[name]
            assert t.dtype == np.float32, (name, t.dtype)
            assert list(t.shape) == w["shape"], (name, t.shape, w["shape"])
            assert t.reshape(-1).view(np.uint32).tolist() == w["bits"], name
        with safe_open(sys.argv[1], "np") as f:
            assert f.metadata() == want["metadata"], f.metadata()
        print("ok", len(got))
        """
      let output = try PythonInterop.run(script: script, arguments: [path], input: expectation)
      #expect(output == "ok \(archive.tensors.count)\n")
      // For checks by hand (e.g. with PyTorch): keep a copy of the file we wrote.
      if let keep = ProcessInfo.processInfo.environment["CHARLM_INTEROP_KEEP"] {
        try Data(archive.encoded()).write(to: URL(fileURLWithPath: keep))
      }
    }
  }
}

/// Runs python3 for the interoperability test.
enum PythonInterop {
  static let isAvailable: Bool = {
    (try? run(script: "import safetensors, numpy; print('yes')", arguments: [], input: "")) == "yes\n"
  }()

  /// Runs `python3 -c script arguments…` with `input` on standard input; returns standard
  /// output, or throws with standard error if Python fails.
  static func run(script: String, arguments: [String], input: String) throws -> String {
    struct Failure: Error, CustomStringConvertible { var description: String }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw Failure(description: String(decoding: err, as: UTF8.self)) }
    return String(decoding: out, as: UTF8.self)
  }
}

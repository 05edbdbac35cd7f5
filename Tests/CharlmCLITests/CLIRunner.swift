import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What one run of the `charlm` executable produced.
struct CLIResult: CustomStringConvertible {
  /// The exit status, or the signal number when `uncaughtSignal` is true.
  let status: Int32
  /// True when the process was ended by a signal rather than exiting.
  let uncaughtSignal: Bool
  let stdoutData: Data
  let stderrData: Data

  var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
  var stderr: String { String(decoding: stderrData, as: UTF8.self) }

  /// Standard error split into lines, without the empty piece after a final newline.
  var stderrLines: [String] { Self.lines(stderr) }
  /// Standard output split into lines, without the empty piece after a final newline.
  var stdoutLines: [String] { Self.lines(stdout) }

  /// True when the process exited normally with status 0.
  var succeeded: Bool { !uncaughtSignal && status == 0 }

  var description: String {
    "status \(uncaughtSignal ? "signal " : "")\(status)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
  }

  static func lines(_ text: String) -> [String] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return lines
  }
}

/// Why a run could not be carried out.
enum CLIRunnerError: Error, CustomStringConvertible {
  case executableNotFound(searched: [String])
  case timedOut(arguments: [String], seconds: Double, stderr: String)

  var description: String {
    switch self {
    case .executableNotFound(let searched):
      return "the charlm executable was not found; build it with `swift build --build-tests` "
        + "(or set CHARLM_EXECUTABLE). Looked in:\n  " + searched.joined(separator: "\n  ")
    case .timedOut(let arguments, let seconds, let stderr):
      return "charlm \(arguments.joined(separator: " ")) did not finish within \(seconds) s; it was killed. "
        + "stderr so far:\n\(stderr)"
    }
  }
}

/// Runs the built `charlm` executable with `Foundation.Process`, standard output and standard
/// error captured separately (through files, so a chatty process can never block on a full pipe).
enum CLIRunner {
  /// The `charlm` executable beside the test bundle, found once.
  static let executable: Result<URL, CLIRunnerError> = locate()

  /// Finds `charlm`: `$CHARLM_EXECUTABLE`; else the products directory that holds the test
  /// bundle (SwiftPM builds both there); else `.build/**/debug/charlm` under the package root
  /// found by walking up from this source file.
  static func locate(filePath: String = #filePath) -> Result<URL, CLIRunnerError> {
    let fm = FileManager.default
    var candidates: [URL] = []
    if let path = ProcessInfo.processInfo.environment["CHARLM_EXECUTABLE"], !path.isEmpty {
      candidates.append(URL(fileURLWithPath: path))
    }
    // Linux: the test runner is `<products>/charlmPackageTests.xctest`, an executable.
    // macOS: it is a bundle `<products>/charlmPackageTests.xctest` loaded by `xctest`/`swiftpm-testing-helper`.
    var directories: [URL] = []
    if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
    directories.append(Bundle.main.bundleURL)
    directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      directories.append(bundle.bundleURL.deletingLastPathComponent())
    }
    if let argv0 = CommandLine.arguments.first, argv0.contains("/") {
      directories.append(URL(fileURLWithPath: argv0).deletingLastPathComponent())
    }
    candidates += directories.map { $0.appendingPathComponent("charlm") }

    // The package root: the nearest ancestor of this file with a Package.swift.
    var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    while directory.path != "/" {
      if fm.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
        let build = directory.appendingPathComponent(".build")
        candidates.append(build.appendingPathComponent("debug/charlm"))
        let triples = (try? fm.contentsOfDirectory(atPath: build.path)) ?? []
        for triple in triples.sorted() where triple.contains("-") {
          candidates.append(build.appendingPathComponent(triple).appendingPathComponent("debug/charlm"))
        }
        break
      }
      directory.deleteLastPathComponent()
    }

    for candidate in candidates {
      var isDirectory: ObjCBool = false
      if fm.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
        fm.isExecutableFile(atPath: candidate.path)
      {
        return .success(candidate.resolvingSymlinksInPath())
      }
    }
    return .failure(.executableNotFound(searched: candidates.map(\.path)))
  }

  /// Runs `charlm arguments` to completion (killing it after `timeout` seconds), in
  /// `directory` when given (else the test's own working directory), with `environment` added
  /// to this process's.
  static func run(
    _ arguments: [String], stdin: Data? = nil, in directory: String? = nil, timeout: Double = 30,
    environment: [String: String] = [:]
  ) throws -> CLIResult {
    let process = try RunningCLI(arguments, stdin: stdin, in: directory, environment: environment)
    return try process.wait(timeout: timeout)
  }

  /// Starts `charlm arguments` and returns at once.
  static func start(_ arguments: [String], stdin: Data? = nil) throws -> RunningCLI {
    try RunningCLI(arguments, stdin: stdin)
  }
}

/// A `charlm` process that has been started.
final class RunningCLI {
  let arguments: [String]
  private let process = Process()
  private let captureDirectory: URL
  private let stdoutURL: URL
  private let stderrURL: URL
  private var handles: [FileHandle] = []

  init(_ arguments: [String], stdin: Data?, in directory: String? = nil, environment: [String: String] = [:]) throws {
    self.arguments = arguments
    let fm = FileManager.default
    captureDirectory = fm.temporaryDirectory.appendingPathComponent("charlm-cli-capture-\(UUID().uuidString)")
    try fm.createDirectory(at: captureDirectory, withIntermediateDirectories: true)
    stdoutURL = captureDirectory.appendingPathComponent("stdout")
    stderrURL = captureDirectory.appendingPathComponent("stderr")
    _ = fm.createFile(atPath: stdoutURL.path, contents: nil)
    _ = fm.createFile(atPath: stderrURL.path, contents: nil)

    process.executableURL = try CLIRunner.executable.get()
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = try FileHandle(forWritingTo: stdoutURL)
    let err = try FileHandle(forWritingTo: stderrURL)
    handles = [out, err]
    process.standardOutput = out
    process.standardError = err
    if let stdin {
      let inputURL = captureDirectory.appendingPathComponent("stdin")
      try stdin.write(to: inputURL)
      let input = try FileHandle(forReadingFrom: inputURL)
      handles.append(input)
      process.standardInput = input
    } else {
      process.standardInput = FileHandle.nullDevice
    }
    try process.run()
  }

  deinit {
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    for handle in handles { try? handle.close() }
    try? FileManager.default.removeItem(at: captureDirectory)
  }

  var isRunning: Bool { process.isRunning }

  /// What the process has written to standard error so far.
  var stderrSoFar: String { String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self) }

  /// Sends `signal` (e.g. SIGINT, as Ctrl-C does) to the process.
  func send(_ signal: Int32) {
    if process.isRunning { kill(process.processIdentifier, signal) }
  }

  /// Waits up to `timeout` seconds for `condition`, polling; true when it became true.
  func poll(timeout: Double, interval: Double = 0.02, until condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if condition() { return true }
      usleep(UInt32(interval * 1e6))
    }
    return condition()
  }

  /// Waits for the process to end; kills it and throws after `timeout` seconds.
  func wait(timeout: Double = 30) throws -> CLIResult {
    let finished = poll(timeout: timeout, interval: 0.005) { !process.isRunning }
    if !finished {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      throw CLIRunnerError.timedOut(arguments: arguments, seconds: timeout, stderr: stderrSoFar)
    }
    process.waitUntilExit()
    for handle in handles { try? handle.close() }
    handles = []
    return CLIResult(
      status: process.terminationStatus,
      uncaughtSignal: process.terminationReason == .uncaughtSignal,
      stdoutData: (try? Data(contentsOf: stdoutURL)) ?? Data(),
      stderrData: (try? Data(contentsOf: stderrURL)) ?? Data())
  }
}

/// A fresh directory for one test's files, removed when the value goes away.
final class ScratchDirectory {
  let url: URL

  init(_ label: String = "test") throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("charlm-e2e-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  /// The absolute path of `name` inside the directory.
  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// Writes `bytes` to `name` and returns its path.
  @discardableResult
  func write(_ name: String, bytes: [UInt8]) throws -> String {
    try Data(bytes).write(to: url.appendingPathComponent(name))
    return path(name)
  }

  /// Writes `text` as UTF-8 to `name` and returns its path.
  @discardableResult
  func write(_ name: String, text: String) throws -> String {
    try write(name, bytes: Array(text.utf8))
  }
}

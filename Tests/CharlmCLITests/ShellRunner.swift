import Foundation
import Testing

/// Runs `charlm` under `/bin/bash -c script`, for what `Foundation.Process` cannot set up: a
/// closed descriptor (`2>&-`), a pipe whose reader goes away (`| head -c 1`). In the script, `$C`
/// is the charlm executable.
enum ShellRunner {
  /// Runs `script` in `directory` (its working directory) and returns what it printed.
  static func run(_ script: String, in directory: ScratchDirectory, timeout: Double = 60) throws -> CLIResult {
    let charlm = try CLIRunner.executable.get().path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", "C='\(charlm)'; " + script]
    process.currentDirectoryURL = directory.url
    return try capture(process, timeout: timeout)
  }

  /// Runs a configured `process` with standard output and error captured through files (so a
  /// chatty process never blocks on a full pipe), terminating it after `timeout` seconds.
  static func capture(_ process: Process, timeout: Double) throws -> CLIResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charlm-capture-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let (outURL, errURL) = (dir.appendingPathComponent("out"), dir.appendingPathComponent("err"))
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let (out, err) = (try FileHandle(forWritingTo: outURL), try FileHandle(forWritingTo: errURL))
    defer {
      try? out.close()
      try? err.close()
    }
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    return CLIResult(
      status: process.terminationStatus, uncaughtSignal: process.terminationReason == .uncaughtSignal,
      stdoutData: (try? Data(contentsOf: outURL)) ?? Data(), stderrData: (try? Data(contentsOf: errURL)) ?? Data())
  }
}

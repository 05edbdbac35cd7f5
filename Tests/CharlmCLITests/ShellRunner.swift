import Foundation
import Testing

/// Runs `charlm` under `/bin/bash -c script`, for what `Foundation.Process` cannot set up: a
/// closed descriptor (`2>&-`), a pipe whose reader goes away (`| head -c 1`). In the script, `$C`
/// is the charlm executable; `status` lines written by the script name exit statuses.
enum ShellRunner {
  /// Runs `script` in `directory` (its working directory) and returns what it printed.
  static func run(_ script: String, in directory: ScratchDirectory, timeout: Double = 60) throws -> CLIResult {
    let charlm = try CLIRunner.executable.get().path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", "C='\(charlm)'; " + script]
    process.currentDirectoryURL = directory.url
    let out = directory.path(".shell-stdout")
    let err = directory.path(".shell-stderr")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    defer {
      try? outHandle.close()
      try? errHandle.close()
      try? FileManager.default.removeItem(atPath: out)
      try? FileManager.default.removeItem(atPath: err)
    }
    process.standardOutput = outHandle
    process.standardError = errHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    return CLIResult(
      status: process.terminationStatus, uncaughtSignal: process.terminationReason == .uncaughtSignal,
      stdoutData: (try? Data(contentsOf: URL(fileURLWithPath: out))) ?? Data(),
      stderrData: (try? Data(contentsOf: URL(fileURLWithPath: err))) ?? Data())
  }
}

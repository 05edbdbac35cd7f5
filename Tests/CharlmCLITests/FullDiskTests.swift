import Foundation
import Testing

/// A full disk, for real: a 64 kB tmpfs mounted in the test's own directory (needs root and
/// `mount`; without them the test says so and checks nothing). Never /dev/full.
@Suite(.serialized) struct FullDiskTests {
  /// Mounts a `size` tmpfs at `dir/full`; nil when this machine does not allow it.
  static func mountTmpfs(in dir: ScratchDirectory, size: String = "64k") throws -> String? {
    let point = dir.path("full")
    try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
    let result = try ShellRunner.run("mount -t tmpfs -o size=\(size) tmpfs full 2>&1", in: dir, timeout: 10)
    guard result.succeeded else {
      print("[full disk] skipped: cannot mount a tmpfs here (\(result.stdout.trimmingCharacters(in: .newlines)))")
      return nil
    }
    return point
  }

  static func unmount(_ point: String, in dir: ScratchDirectory) {
    _ = try? ShellRunner.run("umount '\(point)'", in: dir, timeout: 10)
  }

  @Test func fullDiskOutcomes() throws {
    let dir = try ScratchDirectory("full-disk")
    try dir.write("corpus.txt", text: Corpus.text())
    let corpus = dir.path("corpus.txt")
    let model = dir.path("m.safetensors")
    try train(corpus, model: model, steps: 5)
    guard let full = try Self.mountTmpfs(in: dir) else { return }
    defer { Self.unmount(full, in: dir) }

    // Standard output on a full disk: an error and status 1.
    let sample = try ShellRunner.run(
      "\"$C\" sample --model m.safetensors --length 1000000 --threads 1 > full/out.txt", in: dir)
    #expect(sample.status == 1, "\(sample)")
    #expect(sample.stderrLines.last == "Error: cannot write to standard output: No space left on device", "\(sample)")
    try? FileManager.default.removeItem(atPath: full + "/out.txt")

    // A save that does not fit: the validation line says "not saved", then the error.
    let big = try CLIRunner.run(
      ["train", corpus, "--model", full + "/big.safetensors", "--embedding-size", "32", "--hidden-size", "64"]
        + ["--seq-length", "8", "--batch-size", "2", "--threads", "1", "--steps", "20", "--eval-every", "10"]
        + ["--no-metrics"])
    #expect(big.status == 1, "\(big)")
    #expect(big.stderr.contains("(best so far; not saved)") && !big.stderr.contains("(best so far; saved)"), "\(big)")
    #expect(big.stderrLines.last?.contains("No space left on device") == true, "\(big)")
    #expect(!FileManager.default.fileExists(atPath: full + "/big.safetensors"))

    // Progress to a full disk: training goes on and saves elsewhere, status 0.
    _ = try ShellRunner.run("head -c 70000 /dev/zero > full/fill 2>&1", in: dir)
    let quietDisk = try ShellRunner.run(
      "\"$C\" train corpus.txt --model m.safetensors --resume --steps 15 --progress-interval 0 --threads 1 "
        + "2> full/err.txt; echo $?", in: dir)
    #expect(quietDisk.stdout.hasSuffix("0\n"), "\(quietDisk)")
    let info = try runOK(["info", model])
    #expect(info.stdout.contains("step 15 of 15"), "\(info)")
  }
}

import Foundation
import Modeling
import SafeTensors
import Training

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `train --model` may name, checked before any training so that nothing a user made is
/// replaced and no run is lost at its first save: the path is absent, an empty file, or a regular
/// file that is a charlm model — and an existing model is replaced only with `--overwrite`
/// (continued only with `--resume`). Anything else (the corpus, a text file, a FIFO, a device, a
/// symbolic link, a directory) is refused with one line.
enum ModelPathPolicy {
  /// How the run means to treat a model already at the path.
  enum Intent {
    /// A new run: the path must hold no model.
    case fresh
    /// `--overwrite`: a model at the path may be replaced.
    case overwrite
    /// `--resume`: the path must hold the model to continue.
    case resume
  }

  /// Fails unless a model file could be written at `path`: a name, in an existing writable
  /// directory, where the atomic writer's temporary file can be created (a trial create, so an
  /// over-long name or a read-only file system is found now, not at the first save).
  static func checkWritable(_ path: String, flag: String = "--model") throws {
    guard !path.isEmpty else { throw CLIFailure("\(flag) is empty; give the path of the model file to write") }
    if path.hasSuffix("/") {
      throw CLIFailure("\(flag) \(path) names a directory; give the path of the model file to write")
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw CLIFailure("\(flag) \(path) is a directory; give the path of the model file to write")
    }
    let (parent, name) = AtomicFile.split(path)
    let directory = parent ?? "."
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw CLIFailure("\(flag) \(path): the directory \(directory) does not exist; create it first")
    }
    guard access(directory, W_OK) == 0 else {
      throw CLIFailure("\(flag) \(path): the directory \(directory) is not writable; check its permissions")
    }
    // The longest temporary name AtomicFile makes: `.<name>.tmp-<pid>-<16 hex digits>`.
    let probe = (parent.map { $0 + "/" } ?? "") + ".\(name).tmp-\(getpid())-ffffffffffffffff"
    let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      let reason = String(cString: strerror(errno))
      throw CLIFailure(
        "\(flag) \(path) cannot be saved: creating a file beside it fails (\(reason)); give a shorter name or another directory"
      )
    }
    close(fd)
    unlink(probe)
  }

  /// Fails unless what is at `path` may be used as `intent` says (see the type's comment), and
  /// each of `sidecars` (the metrics log) is absent or a regular file.
  static func checkExisting(_ path: String, intent: Intent, sidecars: [String] = [], flag: String = "--model") throws {
    for sidecar in sidecars {
      var info = stat()
      if lstat(sidecar, &info) == 0 && info.st_mode & S_IFMT != S_IFREG {
        throw CLIFailure(
          "\(sidecar) is not a regular file; refusing to replace it — move it away, or pass --no-metrics")
      }
    }
    var info = stat()
    guard lstat(path, &info) == 0 else {
      if intent == .resume {
        throw CLIFailure(
          "--resume: \(path) does not exist; check the path, or train without --resume to start a new run")
      }
      return
    }
    let kind = info.st_mode & S_IFMT
    guard kind == S_IFREG else {
      let what =
        switch kind {
        case S_IFLNK: "a symbolic link; give the path of the file itself"
        case S_IFIFO: "a FIFO, not a model file; refusing to replace it — give the path of a model file"
        case S_IFCHR, S_IFBLK: "a device, not a model file; refusing to replace it — give the path of a model file"
        case S_IFSOCK: "a socket, not a model file; refusing to replace it — give the path of a model file"
        default: "not a regular file; refusing to replace it — give the path of a model file"
        }
      throw CLIFailure("\(flag) \(path) is \(what)")
    }
    // An empty file holds nothing to lose (e.g. made by mktemp); resume reports it as damaged.
    guard info.st_size > 0, intent != .resume else { return }
    guard let existing = try? ModelFile.read(from: path) else {
      throw CLIFailure(
        "\(flag) \(path) exists and is not a charlm model file; refusing to replace it — give another path, or remove the file yourself"
      )
    }
    guard intent == .fresh else { return }
    let step = TrainingRecord(metadata: existing.extraMetadata).map { " at step \($0.step)" } ?? ""
    throw CLIFailure(
      "\(flag) \(path) already holds a model\(step); add --resume to continue it, or --overwrite to start over")
  }
}

import Foundation
import Modeling
import SafeTensors
import Training

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `train --save-every N --keep K`: step-numbered copies of the run beside the model file.
///
/// A snapshot of `dir/name.safetensors` at step 400 is `dir/name.step-000400.safetensors` (the
/// step in at least six digits; a model path without the `.safetensors` extension gets it
/// appended to the whole name). It holds the *current* parameters and the full resume state, so
/// it samples, scores and resumes like a model file. Pruning keeps the K snapshots with the
/// highest steps up to the run's own step and deletes only regular files of exactly that name
/// that read as charlm models with a ``RunProvenance`` — never the model file itself, nor a
/// snapshot of a higher step (left by another run, e.g. before `--overwrite`).
public struct SnapshotPolicy: Sendable, Equatable {
  /// Write a snapshot every this many steps (> 0).
  public var every: Int
  /// Keep only the newest this many (nil: all).
  public var keep: Int?

  public init(every: Int, keep: Int? = nil) {
    precondition(every > 0 && (keep ?? 1) > 0, "snapshot every and keep must be positive")
    (self.every, self.keep) = (every, keep)
  }

  static let fileExtension = ".safetensors"

  /// The model path without its `.safetensors` extension.
  static func stem(ofModel model: String) -> String {
    model.hasSuffix(fileExtension) ? String(model.dropLast(fileExtension.count)) : model
  }

  /// The snapshot of `model` at `step`.
  public static func path(forModel model: String, step: Int) -> String {
    let digits = String(step)
    return stem(ofModel: model) + ".step-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
      + fileExtension
  }

  /// The snapshot files of `model` by that naming, as (step, path), by step. Only regular files
  /// whose names match exactly; their contents are not read.
  public static func existing(forModel model: String) -> [(step: Int, path: String)] {
    let modelStem = stem(ofModel: model)
    let (directory, name) = AtomicFile.split(modelStem)
    // The directory part exactly as the model path spells it ("", "dir/", "/", "./").
    let parent = String(decoding: modelStem.utf8.dropLast(name.utf8.count), as: UTF8.self)
    let prefix = name + ".step-"
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory ?? ".") else { return [] }
    var found: [(step: Int, path: String)] = []
    for candidate in names where candidate.hasPrefix(prefix) && candidate.hasSuffix(fileExtension) {
      let digits = candidate.dropFirst(prefix.count).dropLast(fileExtension.count)
      guard digits.count >= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let step = Int(digits) else {
        continue
      }
      let path = parent + candidate
      // The exact name this policy writes for that step (no extra leading zeros).
      guard path == Self.path(forModel: model, step: step) else { continue }
      var info = stat()
      guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
      found.append((step, path))
    }
    return found.sorted { $0.step < $1.step }
  }

  /// Deletes the snapshots of `model` beyond the newest ``keep`` with steps ≤ `step`; returns
  /// the paths deleted. A file that does not read as a model charlm wrote is left alone.
  @discardableResult
  public func prune(forModel model: String, upTo step: Int) -> [String] {
    guard let keep else { return [] }
    let candidates = Self.existing(forModel: model).filter { $0.step <= step }
    var deleted: [String] = []
    for old in candidates.dropLast(keep) {
      guard old.path != model, let file = try? ModelFile.read(from: old.path),
        RunProvenance(metadata: file.extraMetadata) != nil
      else { continue }
      if unlink(old.path) == 0 { deleted.append(old.path) }
    }
    return deleted
  }
}

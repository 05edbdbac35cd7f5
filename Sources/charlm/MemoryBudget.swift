import Foundation
import Modeling
import Training

/// What the machine can give a run, read from Linux: `MemAvailable` in /proc/meminfo and the
/// cgroup limit (v2 `memory.max`, v1 `memory.limit_in_bytes`) when one is set. Nil when neither
/// is readable (another OS): then no run is refused.
enum MemoryBudget {
  /// The smaller of the available memory and the cgroup limit, bytes, with where each came from.
  static func available() -> (bytes: Double, description: String)? {
    var found: [(Double, String)] = []
    if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
      let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
      let kB = Double(line.split(separator: " ").dropFirst().first ?? "")
    {
      found.append((kB * 1024, "\(gib(kB * 1024)) available (MemAvailable)"))
    }
    for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
      guard let text = try? String(contentsOfFile: path, encoding: .utf8),
        let limit = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit < 1e18
      else { continue }
      found.append((limit, "a cgroup limit of \(gib(limit))"))
      break
    }
    guard !found.isEmpty else { return nil }
    return (found.map(\.0).min()!, found.map(\.1).joined(separator: ", "))
  }

  /// Fails when a run of `config` with `options` on `corpusBytes` of text cannot fit.
  static func check(config: ModelConfig, options: TrainingOptions, corpusBytes: Int) throws {
    let needed = TrainingMemory.estimatedBytes(config: config, options: options, corpusBytes: corpusBytes)
    guard let (bytes, description) = available(), needed > bytes else { return }
    throw CLIFailure(
      "this run needs about \(gib(needed)) of memory (E=\(config.embeddingSize) H=\(config.hiddenSize) "
        + "L=\(config.layers) V=\(config.vocabSize), T=\(options.seqLength) B=\(options.batchSize)), but the machine has "
        + "\(description); choose a smaller --hidden-size, --layers, --batch-size or --seq-length")
  }

  /// `12.3 GiB`.
  static func gib(_ bytes: Double) -> String {
    bytes >= 1e15 ? "\(fmt(bytes / 1_099_511_627_776, 0)) TiB" : "\(fmt(bytes / 1_073_741_824, 1)) GiB"
  }
}

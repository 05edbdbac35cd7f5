#if canImport(Glibc)
  import Glibc
#endif

/// Picks OpenBLAS's kernels when its own CPU detection falls short.
///
/// Debian 12's OpenBLAS 0.3.21 does not recognize newer CPUs (seen: a Sapphire Rapids Xeon
/// with AVX-512) and falls back to its SSE3 "Prescott" kernels, which halve training speed.
/// OpenBLAS reads `OPENBLAS_CORETYPE` only when the library loads, so the executable calls
/// ``reexecIfMisdetected()`` first thing: if the chosen core is weaker than the CPU's vector
/// units, it sets the variable and executes itself again, once. A variable the user has set
/// is always respected.
public enum BLASCoreSelection {
  /// Vector capability levels, in order.
  enum Level: Int, Comparable {
    case sse = 0, avx, avx2, avx512
    static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
  }

  /// The level of an OpenBLAS core name (nil for names this table does not know).
  static func level(ofCore name: String) -> Level? {
    switch name.lowercased() {
    case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine", "northwood",
      "banias", "opteron", "opteron_sse3", "barcelona", "bobcat", "generic":
      .sse
    case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": .avx
    case "haswell", "zen": .avx2
    case "skylakex", "cooperlake", "sapphirerapids": .avx512
    default: nil
    }
  }

  /// The level the CPU supports, from the flags of /proc/cpuinfo.
  static func level(ofFlags flags: Set<Substring>) -> Level {
    if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) { return .avx512 }
    if ["avx2", "fma"].allSatisfy(flags.contains) { return .avx2 }
    if flags.contains("avx") { return .avx }
    return .sse
  }

  /// The OpenBLAS core type to request for a CPU level.
  static func coreType(for level: Level) -> String? {
    switch level {
    case .avx512: "SkylakeX"
    case .avx2: "Haswell"
    case .avx: "Sandybridge"
    case .sse: nil
    }
  }

  /// The core to request instead of `chosen` on a CPU with `flags`, or nil to keep it.
  static func better(than chosen: String, flags: Set<Substring>) -> String? {
    guard let chosenLevel = level(ofCore: chosen) else { return nil }
    let cpu = level(ofFlags: flags)
    return cpu > chosenLevel ? coreType(for: cpu) : nil
  }

  /// Re-executes the process with a better `OPENBLAS_CORETYPE` if OpenBLAS chose a core weaker
  /// than the CPU. Returns (doing nothing) on Apple platforms, when the variable is already set,
  /// when the choice is right, or if the re-execution fails.
  public static func reexecIfMisdetected() {
    #if canImport(Glibc)
      guard getenv("OPENBLAS_CORETYPE") == nil else { return }
      let chosen = blasCoreName()
      guard let flags = cpuFlags(), let better = better(than: chosen, flags: flags) else { return }
      setenv("OPENBLAS_CORETYPE", better, 1)
      execv("/proc/self/exe", CommandLine.unsafeArgv)
      unsetenv("OPENBLAS_CORETYPE")  // exec failed: go on with what we have
    #endif
  }

  /// The flags line of /proc/cpuinfo, or nil where it cannot be read.
  static func cpuFlags() -> Set<Substring>? {
    #if canImport(Glibc)
      guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
      defer { fclose(file) }
      var line: UnsafeMutablePointer<CChar>?
      var capacity = 0
      defer { free(line) }
      while getline(&line, &capacity, file) > 0 {
        let text = String(cString: line!)
        if text.hasPrefix("flags") { return Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })) }
      }
    #endif
    return nil
  }
}

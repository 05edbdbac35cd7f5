// swift-tools-version:6.0
//
// charlm: a character-level language-model toolkit.
// Module graph (DESIGN.md): Kernels → Modeling → Training / Sampling → charlm;
// Tokenization (the only user of ICU, through CICU) sits beside them.
import PackageDescription

#if canImport(Glibc)
  import Glibc
#endif

/// True when the machine building charlm has AVX2 and FMA (read from /proc/cpuinfo on Linux).
/// Release builds then target that level (`-target-cpu haswell`): SIMD8<Float> fills one AVX
/// register and the vectorized activations run about twice as fast. Like `-march=native`, the
/// binary then needs such a CPU; set CHARLM_PORTABLE=1 to build one that runs anywhere.
/// Debug builds (and so the tests) never use it; results are the same either way, since Swift
/// does not fuse a·b + c into FMA unless asked.
let buildMachineHasAVX2FMA: Bool = {
  #if canImport(Glibc) && arch(x86_64)
    if getenv("CHARLM_PORTABLE") != nil { return false }
    guard let file = fopen("/proc/cpuinfo", "r") else { return false }
    defer { fclose(file) }
    var line: UnsafeMutablePointer<CChar>?
    var capacity = 0
    defer { free(line) }
    while getline(&line, &capacity, file) > 0 {
      let text = String(cString: line!)
      guard text.hasPrefix("flags") else { continue }
      let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }))
      return flags.contains("avx2") && flags.contains("fma")
    }
  #endif
  return false
}()

/// Optimisation flags for the numeric modules. `-enforce-exclusivity=unchecked` removes
/// run-time exclusivity checks from the hot loops; it is safe because those loops only touch
/// buffers they own.
let numericSwiftSettings: [SwiftSetting] = [
  .unsafeFlags(
    ["-enforce-exclusivity=unchecked"] + (buildMachineHasAVX2FMA ? ["-target-cpu", "haswell"] : []),
    .when(configuration: .release))
]

let package = Package(
  name: "charlm",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "charlm", targets: ["charlm"]),
    .library(name: "CharLM", targets: ["Tokenization", "Modeling", "Training", "Sampling"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // MARK: - C shims
    .target(
      name: "CICU",
      linkerSettings: [.linkedLibrary("icuuc")]
    ),
    // oneDNN's matmul primitives, from libdnnl.so.2 opened at run time (only the headers of
    // libdnnl-dev are needed to build; without them the target builds stubs).
    .target(name: "CDNNL"),
    .systemLibrary(
      name: "CBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),

    // MARK: - Library modules
    .target(
      name: "Kernels",
      dependencies: [
        .target(name: "CBLAS", condition: .when(platforms: [.linux])),
        .target(name: "CDNNL", condition: .when(platforms: [.linux])),
      ],
      swiftSettings: numericSwiftSettings
    ),
    .target(name: "Tokenization", dependencies: ["CICU"]),
    .target(name: "Modeling", dependencies: ["Kernels"], swiftSettings: numericSwiftSettings),
    .target(name: "Training", dependencies: ["Modeling", "Kernels"], swiftSettings: numericSwiftSettings),
    .target(name: "Sampling", dependencies: ["Modeling", "Kernels"], swiftSettings: numericSwiftSettings),

    // MARK: - Executable
    .executableTarget(
      name: "charlm",
      dependencies: [
        "Tokenization", "Modeling", "Training", "Sampling",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: - Tests
    .target(
      name: "TestSupport", dependencies: ["Kernels", "Modeling"], path: "Tests/TestSupport",
      resources: [.copy("Fixtures")]
    ),
    .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"]),
    .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "TestSupport"]),
    .testTarget(
      name: "ModelingTests", dependencies: ["Modeling", "TestSupport"],
      resources: [.copy("Fixtures")]
    ),
    .testTarget(name: "TrainingTests", dependencies: ["Training", "TestSupport"]),
    .testTarget(name: "SamplingTests", dependencies: ["Sampling", "TestSupport"]),
    // Snapshots/ holds expected text the tests read by path (CHARLM_UPDATE_SNAPSHOTS=1 rewrites it).
    .testTarget(name: "CharlmCLITests", dependencies: ["charlm", "TestSupport"], exclude: ["Snapshots"]),
  ],
  swiftLanguageModes: [.v6]
)

// swift-tools-version:6.0
//
// charlm: a character-level language-model toolkit.
// Module graph (DESIGN.md): Kernels, SafeTensors → Modeling → Training / Sampling → charlm;
// Tokenization (the only user of ICU, through CICU) sits beside them.
import PackageDescription

let package = Package(
  name: "charlm",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "charlm", targets: ["charlm"]),
    .library(name: "CharLM", targets: ["CharLM", "Tokenization", "SafeTensors", "Modeling", "Training", "Sampling"]),
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
    // charlm's element-wise kernels, every instruction-set variant in one binary, chosen at
    // run time (per-function target attributes: no build flags, so the package can be a
    // versioned dependency).
    .target(name: "CKernels"),
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
        "CKernels",
      ]
    ),
    .target(name: "Tokenization", dependencies: ["CICU"]),
    // The safetensors format only: read, validate, write, atomic file (no model, no math).
    .target(name: "SafeTensors"),
    .target(name: "Modeling", dependencies: ["Kernels", "SafeTensors"]),
    .target(
      name: "Training", dependencies: ["Modeling", "SafeTensors", "Kernels"]),
    .target(name: "Sampling", dependencies: ["Modeling", "Kernels"]),
    // The library's front door: a model file with its tokenizer, text in and out, training on a text.
    .target(
      name: "CharLM", dependencies: ["Tokenization", "SafeTensors", "Modeling", "Training", "Sampling", "Kernels"]),

    // MARK: - Executable
    .executableTarget(
      name: "charlm",
      dependencies: [
        "CharLM", "Tokenization", "SafeTensors", "Modeling", "Training", "Sampling",
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
      name: "ModelingTests", dependencies: ["Modeling", "SafeTensors", "TestSupport"],
      resources: [.copy("Fixtures")]
    ),
    .testTarget(name: "TrainingTests", dependencies: ["Training", "TestSupport"]),
    .testTarget(name: "SamplingTests", dependencies: ["Sampling", "TestSupport"]),
    .testTarget(name: "CharLMTests", dependencies: ["CharLM"]),
    // Snapshots/ holds expected text the tests read by path (CHARLM_UPDATE_SNAPSHOTS=1 rewrites it).
    .testTarget(name: "CharlmCLITests", dependencies: ["charlm", "TestSupport"], exclude: ["Snapshots"]),
  ],
  swiftLanguageModes: [.v6]
)

import Testing

@testable import Kernels

/// The table that decides when OpenBLAS's own CPU detection is overridden.
@Suite struct BLASCoreSelectionTests {
  static let avx512: Set<Substring> = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]
  static let avx2: Set<Substring> = ["sse4_2", "avx", "avx2", "fma"]

  @Test(
    "a generic core on a better CPU is replaced by the CPU's level",
    arguments: [
      ("Prescott", avx512, "SkylakeX"), ("Prescott", avx2, "Haswell"), ("Sandybridge", avx2, "Haswell"),
      ("Haswell", avx512, "SkylakeX"),
    ] as [(String, Set<Substring>, String)])
  func upgrades(chosen: String, flags: Set<Substring>, expected: String) {
    #expect(BLASCoreSelection.better(than: chosen, flags: flags) == expected)
  }

  @Test(
    "a right or unknown choice is kept",
    arguments: [
      ("SkylakeX", avx512), ("Zen", avx2), ("Haswell", avx2), ("SomeFutureCore", avx512), ("Prescott", ["sse2"]),
    ]
      as [(String, Set<Substring>)])
  func keeps(chosen: String, flags: Set<Substring>) {
    #expect(BLASCoreSelection.better(than: chosen, flags: flags) == nil)
  }
}

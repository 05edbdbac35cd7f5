import CKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The instruction set charlm's own element-wise kernels (LSTM gates, Adam, the clipping norm;
/// the C target CKernels) run with, chosen at run time from cpuid: every variant is in the
/// binary, compiled with per-function target attributes, so no build flag ties the package to
/// one CPU.
///
/// `CHARLM_ISA=avx512|avx2|portable` forces a path (tests run every path the machine has).
public enum KernelISA: String, CaseIterable, Sendable {
  /// The target's baseline (SSE2 on x86-64, NEON on arm64).
  case portable
  /// AVX2 and FMA, 8 lanes.
  case avx2
  /// AVX-512 F/VL/DQ/BW and FMA, 16 lanes.
  case avx512

  /// The environment variable that forces an ISA.
  public static let environmentVariable = "CHARLM_ISA"

  var code: Int32 {
    switch self {
    case .portable: Int32(CKERNELS_PORTABLE)
    case .avx2: Int32(CKERNELS_AVX2)
    case .avx512: Int32(CKERNELS_AVX512)
    }
  }

  /// Whether this CPU can run the path.
  public var isSupported: Bool { ckernels_supported(code) != 0 }

  /// The paths this CPU can run, portable first.
  public static var usable: [KernelISA] { allCases.filter(\.isSupported) }

  /// The widest path this CPU runs.
  public static var best: KernelISA { usable.last ?? .portable }

  /// The path kernels use: the task's choice (tests), else the process's.
  public static var current: KernelISA { taskISA ?? processISA }

  nonisolated(unsafe) private static var processISA: KernelISA = {
    if case .success(let forced?) = fromEnvironment() { return forced }
    return best
  }()

  @TaskLocal static var taskISA: KernelISA?

  /// The ISA the environment asks for, or why it cannot be used (one line, for the CLI).
  public static func fromEnvironment() -> Result<KernelISA?, BackendError> {
    environmentChoice(environmentVariable, isUsable: \.isSupported, unusable: "this CPU does not support it")
  }

  /// Runs `body` with `isa` for the calling task only (tests compare the paths side by side).
  public static func with<T>(_ isa: KernelISA, _ body: () throws -> T) rethrows -> T {
    precondition(isa.isSupported, "\(isa) is not supported on this CPU")
    return try $taskISA.withValue(isa, operation: body)
  }
}

/// A value of `name` in the environment: nil when unset or empty, an error line when it names
/// no case or a case this machine cannot run.
func environmentChoice<T: RawRepresentable & CaseIterable>(
  _ name: String, isUsable: (T) -> Bool, unusable: String
) -> Result<T?, BackendError> where T.RawValue == String {
  guard let raw = getenv(name).map({ String(cString: $0) }), !raw.isEmpty else { return .success(nil) }
  let names = T.allCases.map(\.rawValue).joined(separator: ", ")
  guard let value = T(rawValue: raw.lowercased()) else {
    return .failure(BackendError(message: "\(name)=\(raw) is not one of \(names)"))
  }
  guard isUsable(value) else {
    return .failure(BackendError(message: "\(name)=\(raw): \(unusable); use one of \(names)"))
  }
  return .success(value)
}

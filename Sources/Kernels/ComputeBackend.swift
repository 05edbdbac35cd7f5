#if canImport(CDNNL)
  import CDNNL
#endif

/// Which library runs the matrix products.
///
/// oneDNN (Linux x86-64, `libdnnl.so.2` from Debian's libdnnl-dev, opened at run time) generates
/// its kernels for the CPU's instruction set from cpuid, whatever OpenBLAS's tables or
/// `OPENBLAS_CORETYPE` say, and can keep a weight matrix reordered into its kernel's layout
/// across the T recurrent products of a chunk (``PackedWeights``). BLAS (OpenBLAS on Linux,
/// Accelerate on Apple platforms) is the reference the tests compare against and the fallback
/// where oneDNN is absent. Both compute every element of a product in one call on one thread.
public enum ComputeBackend: String, CaseIterable, Sendable {
  case blas
  case onednn

  /// The environment variable that forces a backend (`blas` or `onednn`).
  public static let environmentVariable = "CHARLM_BACKEND"

  /// Whether oneDNN loaded on this machine.
  public static var oneDNNAvailable: Bool {
    #if canImport(CDNNL)
      return cdnnl_available() != 0
    #else
      return false
    #endif
  }

  /// The backend products use: the task's choice (tests), else the process's.
  public static var current: ComputeBackend { taskBackend ?? processBackend }

  /// The process's backend: `CHARLM_BACKEND` when set to a usable value, else oneDNN where it
  /// loads, else BLAS.
  nonisolated(unsafe) private static var processBackend: ComputeBackend = defaultBackend()

  @TaskLocal static var taskBackend: ComputeBackend?

  /// The backend the environment asks for, or why it cannot be used (one line, for the CLI).
  public static func fromEnvironment() -> Result<ComputeBackend?, BackendError> {
    environmentChoice(
      environmentVariable, isUsable: { $0 == .blas || oneDNNAvailable },
      unusable: "oneDNN (libdnnl.so.2) is not available here (Debian: apt-get install libdnnl-dev)")
  }

  private static func defaultBackend() -> ComputeBackend {
    if case .success(let forced?) = fromEnvironment() { return forced }
    return oneDNNAvailable ? .onednn : .blas
  }

  /// Sets the process's backend (oneDNN only where it loads).
  public static func select(_ backend: ComputeBackend) {
    precondition(backend == .blas || oneDNNAvailable, "oneDNN is not available")
    processBackend = backend
  }

  /// Runs `body` with `backend` for the calling task only (tests compare backends side by side).
  public static func with<T>(_ backend: ComputeBackend, _ body: () throws -> T) rethrows -> T {
    precondition(backend == .blas || oneDNNAvailable, "oneDNN is not available")
    return try $taskBackend.withValue(backend, operation: body)
  }

  /// A short description, e.g. "oneDNN 2.6.3 (avx512_core_bf16)" or "OpenBLAS (core Zen)".
  public var description: String {
    switch self {
    case .blas: return blasDescription()
    case .onednn:
      #if canImport(CDNNL)
        return "oneDNN \(String(cString: cdnnl_version())) (\(String(cString: cdnnl_isa())))"
      #else
        return "oneDNN"
      #endif
    }
  }

  /// The instruction set of the backend's kernels: oneDNN's name (e.g. "avx512_core_bf16"), or
  /// OpenBLAS's core name.
  public var kernelISA: String {
    switch self {
    case .blas: return blasCoreName()
    case .onednn:
      #if canImport(CDNNL)
        return String(cString: cdnnl_isa())
      #else
        return ""
      #endif
    }
  }
}

/// A backend the environment asks for that cannot be used.
public struct BackendError: Error, Sendable {
  /// One line saying what is wrong and what to do.
  public let message: String
}

/// What runs the math, for progress lines and reports, e.g.
/// "products oneDNN 2.6.3 (avx512_core_bf16), kernels avx512".
public func computeDescription() -> String {
  "products \(ComputeBackend.current.description), kernels \(KernelISA.current.rawValue)"
}

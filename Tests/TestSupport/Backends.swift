import Kernels

extension ComputeBackend {
  /// The backends this machine can run (BLAS always; oneDNN where libdnnl.so.2 loads), so a
  /// test taking them as arguments covers every path the machine has.
  public static var usable: [ComputeBackend] { allCases.filter { $0 == .blas || oneDNNAvailable } }
}

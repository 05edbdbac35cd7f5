import Dispatch

/// How many threads charlm's math may use, and the one way work is split across them.
///
/// Large matrix products use multi-threaded BLAS. Work made of many small products in a row
/// (the recurrence over T steps) is split instead into independent slices (e.g. groups of
/// streams), each run on its own thread with single-threaded BLAS: no synchronization per step.
public enum Parallelism {
  nonisolated(unsafe) private static var configuredThreads = 1
  /// Set while slices run, so work nested inside a slice runs inline instead of splitting again.
  nonisolated(unsafe) private static var inParallelRegion = false
  /// Whether slices switch BLAS to one thread (and back); see ``setSliceThreads(_:)``.
  nonisolated(unsafe) private static var managesBLAS = true

  /// Threads in use (≥ 1).
  public static var threads: Int { configuredThreads }

  /// Sets the thread count for charlm and for BLAS.
  public static func setThreads(_ count: Int) {
    configuredThreads = max(1, count)
    managesBLAS = true
    setBLASThreads(configuredThreads)
  }

  /// Sets how many slices ``forEachSlice(of:minimumSliceSize:_:)`` uses without touching BLAS's
  /// own thread count (tests use it: changing OpenBLAS's threads while other tests run BLAS
  /// calls is not safe).
  static func setSliceThreads(_ count: Int) {
    configuredThreads = max(1, count)
    managesBLAS = false
  }

  /// Calls `body` on up to `threads` contiguous slices of `0..<count` (each at least
  /// `minimumSliceSize` long) in parallel, with BLAS limited to one thread inside; runs inline
  /// when there is one slice or when already inside a slice.
  public static func forEachSlice(of count: Int, minimumSliceSize: Int = 1, _ body: (Range<Int>) -> Void) {
    let parts = min(configuredThreads, count / max(minimumSliceSize, 1))
    guard parts > 1, !inParallelRegion else {
      body(0..<count)
      return
    }
    if managesBLAS { setBLASThreads(1) }
    inParallelRegion = true
    defer {
      inParallelRegion = false
      if managesBLAS { setBLASThreads(configuredThreads) }
    }
    withoutActuallyEscaping(body) { body in
      let box = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: parts) { part in
        box.value(slice(part, of: parts, count: count))
      }
    }
  }

  /// The part-th of `parts` near-equal contiguous slices of 0..<count.
  public static func slice(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
    (part * count / parts)..<((part + 1) * count / parts)
  }
}

/// Carries a value into concurrent work whose safety the caller guarantees (disjoint slices).
struct UncheckedSendable<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}

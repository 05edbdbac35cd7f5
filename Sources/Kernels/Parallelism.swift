import CKernels
import Dispatch

/// How many threads charlm's math may use, and the one way work is split across them.
///
/// BLAS always runs single-threaded: OpenBLAS's own worker threads spin (sched_yield) between
/// calls and competed with ours for the cores. Instead, work is split here into independent
/// slices, one per thread: rows of a large matrix product (``matmul``), groups of streams
/// for the recurrence over T steps (no synchronization per step), rows of the softmax.
///
/// The slices run on a persistent team of workers (CKernels' `cteam`: an atomic generation
/// counter to start, an atomic countdown to join, workers spinning briefly between calls), which
/// costs well under a microsecond per split where a Dispatch hand-off cost several: what makes
/// splitting each matrix–vector product of a sampling step pay. When the team is busy (another
/// thread of the process is splitting, e.g. concurrent tests) a split runs on Dispatch instead.
public enum Parallelism {
  nonisolated(unsafe) private static var configuredThreads = 1

  /// A thread count for the current task only (tests), so concurrent tests keep theirs.
  @TaskLocal static var taskThreads: Int?

  /// Threads in use (≥ 1).
  public static var threads: Int { taskThreads ?? configuredThreads }

  /// Sets the thread count. A program calls ``configure(threads:)``, which also sets BLAS up.
  public static func setThreads(_ count: Int) { configuredThreads = max(1, count) }

  /// Runs `body` with `count` threads for the calling task only (tests: a process-wide change
  /// would also change the results of tests running concurrently).
  static func withThreads<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
    try $taskThreads.withValue(max(1, count), operation: body)
  }

  /// Calls `body` on up to `threads` contiguous slices of `0..<count` (each at least
  /// `minimumSliceSize` long) in parallel; runs inline when there is one slice or when the
  /// calling thread is already running a slice (a per-thread mark, `cteam_in_slice`, so that
  /// concurrent callers do not see each other's splits).
  public static func forEachSlice(of count: Int, minimumSliceSize: Int = 1, _ body: (Range<Int>) -> Void) {
    let parts = min(threads, count / max(minimumSliceSize, 1))
    guard parts > 1, cteam_in_slice() == 0 else {
      body(0..<count)
      return
    }
    let choices = TaskChoices()
    guard choices.isEmpty else {
      // A test's backend and ISA (task-locals) are not seen on the team's threads: carry them.
      return forEachSlice(parts: parts, count: count) { range in choices.apply { body(range) } }
    }
    forEachSlice(parts: parts, count: count, body)
  }

  /// ``forEachSlice(of:minimumSliceSize:_:)`` on exactly `parts` slices.
  private static func forEachSlice(parts: Int, count: Int, _ body: (Range<Int>) -> Void) {
    withoutActuallyEscaping(body) { body in
      if runOnTeam(parts: parts, { part in body(slice(part, of: parts, count: count)) }) { return }
      let box = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: parts) { part in
        cteam_enter_slice()
        box.value(slice(part, of: parts, count: count))
        cteam_leave_slice()
      }
    }
  }

  /// Runs `body(part)` for part in 0..<parts on the worker team (part 0 on this thread);
  /// false, having run nothing, when the team is in use.
  private static func runOnTeam(parts: Int, _ body: (Int) -> Void) -> Bool {
    withoutActuallyEscaping(body) { body in
      var context = body
      return withUnsafeMutablePointer(to: &context) { pointer in
        cteam_run(
          Int64(parts),
          { context, part, _ in
            context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(part))
          }, pointer) == 0
      }
    }
  }

  /// Calls `body(part, range)` for each of `parts` near-equal contiguous ranges of 0..<count
  /// (``slice(_:of:count:)``), the parts in parallel as ``forEachSlice(of:minimumSliceSize:_:)``
  /// runs slices: for work whose parts each keep a result of their own (a partial sum) that the
  /// caller then combines in part order, so a thread count always gives the same result.
  public static func forEachPart(_ parts: Int, of count: Int, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
    forEachSlice(of: parts) { partRange in
      for part in partRange { body(part, slice(part, of: parts, count: count)) }
    }
  }

  /// The part-th of `parts` near-equal contiguous slices of 0..<count.
  public static func slice(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
    (part * count / parts)..<((part + 1) * count / parts)
  }
}

/// The calling task's choices of backend and kernel ISA (tests' `ComputeBackend.with`,
/// `KernelISA.with`), set again around each slice, which may run on another thread.
private struct TaskChoices {
  let backend = ComputeBackend.taskBackend
  let isa = KernelISA.taskISA
  var isEmpty: Bool { backend == nil && isa == nil }
  func apply(_ body: () -> Void) {
    ComputeBackend.$taskBackend.withValue(backend) { KernelISA.$taskISA.withValue(isa, operation: body) }
  }
}

/// Carries a value into concurrent work whose safety the caller guarantees (disjoint slices).
struct UncheckedSendable<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}

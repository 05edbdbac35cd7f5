import Testing

@testable import Kernels

/// ``Parallelism/forEachSlice(of:minimumSliceSize:_:)`` on the worker team: every index exactly
/// once, whatever the thread count, for many calls in a row and for callers racing for the team
/// (the losers split on Dispatch).
@Suite struct WorkerTeamTests {
  /// Counts how often each index of 0..<count was visited by `calls` splits on `threads`.
  static func visits(count: Int, threads: Int, calls: Int) -> [Int] {
    let counts = UnsafeMutablePointer<Int>.allocate(capacity: count)
    defer { counts.deallocate() }
    counts.initialize(repeating: 0, count: count)
    Parallelism.withThreads(threads) {
      for _ in 0..<calls {
        // Slices are disjoint, so each index is written by one thread.
        Parallelism.forEachSlice(of: count) { range in for i in range { counts[i] += 1 } }
      }
    }
    return Array(UnsafeBufferPointer(start: counts, count: count))
  }

  @Test("every index is visited once per split", arguments: [1, 2, 3, 4])
  func everyIndexOnce(threads: Int) {
    let calls = 2_000  // many hand-offs in a row: workers spinning, sleeping and waking
    let counts = Self.visits(count: 37, threads: threads, calls: calls)
    #expect(counts == Array(repeating: calls, count: 37))
  }

  @Test("concurrent callers each get every index once (the team or Dispatch)")
  func concurrentCallers() async {
    let results = await withTaskGroup(of: [Int].self) { group in
      for _ in 0..<4 { group.addTask { Self.visits(count: 101, threads: 2, calls: 500) } }
      return await group.reduce(into: []) { $0.append($1) }
    }
    for counts in results { #expect(counts == Array(repeating: 500, count: 101)) }
  }

  @Test("a slice nested in a slice runs inline")
  func nestedRunsInline() {
    let inner = UnsafeMutablePointer<Int>.allocate(capacity: 2)
    defer { inner.deallocate() }
    inner.initialize(repeating: 0, count: 2)
    Parallelism.withThreads(2) {
      Parallelism.forEachSlice(of: 2) { outer in
        Parallelism.forEachSlice(of: 8) { range in inner[outer.lowerBound] += range.count }
      }
    }
    #expect(inner[0] == 8 && inner[1] == 8)
  }

  @Test("a slice on another thread sees the caller's backend and kernel ISA (tests force them per task)")
  func slicesSeeTaskChoices() {
    let seen = UnsafeMutablePointer<(ComputeBackend, KernelISA)?>.allocate(capacity: 2)
    defer { seen.deallocate() }
    seen.initialize(repeating: nil, count: 2)
    Parallelism.withThreads(2) {
      ComputeBackend.with(.blas) {
        KernelISA.with(.portable) {
          Parallelism.forEachSlice(of: 2) { part in seen[part.lowerBound] = (ComputeBackend.current, KernelISA.current) }
        }
      }
    }
    for part in 0..<2 { #expect(seen[part].map { $0 == (.blas, .portable) } == true, "part \(part)") }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A fixed-size, zero-initialized, heap-allocated Float buffer with a stable address.
///
/// Parameters, gradients, optimizer moments and every workspace array are FloatBuffers, so hot
/// loops work on raw pointers without copy-on-write checks or allocation.
///
/// The memory comes from `calloc`: large buffers are mapped zero pages that cost no resident
/// memory until written, so a buffer a run never touches (a dropout mask without dropout, say)
/// adds nothing to its peak RSS.
public final class FloatBuffer: @unchecked Sendable {
  /// Number of Floats.
  public let count: Int
  /// The first element; valid for `count` elements while the buffer lives.
  public let pointer: UnsafeMutablePointer<Float>

  /// A buffer of `count` zeros.
  public init(count: Int) {
    precondition(count >= 0)
    self.count = count
    guard let memory = calloc(max(count, 1), MemoryLayout<Float>.stride) else {
      fatalError("out of memory allocating \(count) floats")
    }
    pointer = memory.bindMemory(to: Float.self, capacity: max(count, 1))
  }

  /// A buffer holding a copy of `values`.
  public convenience init(_ values: [Float]) {
    self.init(count: values.count)
    values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
  }

  deinit { free(pointer) }

  /// The contents as an array (a copy).
  public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

  /// Sets every element to zero.
  public func zero() { pointer.update(repeating: 0, count: count) }

  /// Copies all of `other` (same count) into this buffer.
  public func copy(from other: FloatBuffer) {
    precondition(other.count == count)
    pointer.update(from: other.pointer, count: count)
  }

  /// A new buffer with the same contents.
  public func clone() -> FloatBuffer {
    let c = FloatBuffer(count: count)
    c.copy(from: self)
    return c
  }

  /// Element access (bounds-checked in debug builds).
  @inlinable public subscript(i: Int) -> Float {
    get { pointer[i] }
    set { pointer[i] = newValue }
  }
}

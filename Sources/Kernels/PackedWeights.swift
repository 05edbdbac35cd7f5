#if canImport(CDNNL)
  import CDNNL
#endif

/// A weight matrix used for many products in a row — W_hh for the T recurrent steps of a chunk —
/// kept in the layout the backend's kernel reads, so that it is not re-packed for every product.
///
/// - weights: (rows, columns) row-major, as the model stores them.
/// - ``Form/transposed``: products c (M, rows) = a (M, columns) · Wᵀ (the forward recurrence).
/// - ``Form/plain``: products c (M, columns) = a (M, rows) · W (the backward recurrence).
///
/// ``pack(_:)`` (once per chunk, after the optimizer has changed the weights) reorders the
/// weights into oneDNN's layout; every ``multiply(m:a:lda:beta:c:ldc:)`` then reads that copy.
/// On the BLAS backend (or where oneDNN cannot run a product) it only keeps the pointer and
/// multiplies with ``matmul``. The weights must not change between a pack and the products that
/// use it.
///
/// Packed weights made with one ``PackedWeightsMemory`` take turns in it: a pack overwrites the
/// others' copies (their products then run on BLAS until they pack again).
public final class PackedWeights {
  /// Which product the weights serve.
  public enum Form: Sendable {
    /// c = a · Wᵀ.
    case transposed
    /// c = a · W.
    case plain
  }

  /// Rows of W.
  public let rows: Int
  /// Columns of W.
  public let columns: Int
  /// The product served.
  public let form: Form
  /// The weights of the last pack.
  private var weights: UnsafePointer<Float>?
  /// oneDNN's copy, when the last pack ran on oneDNN.
  private var packed: OpaquePointer?
  /// Whether `packed` holds the weights of the last pack.
  private var packedIsCurrent = false
  /// Whether a oneDNN copy was attempted and could not be built (then BLAS runs).
  private var packingFailed = false
  /// Where the oneDNN copy lives: memory shared with other packed weights, or nil (its own).
  private let memory: PackedWeightsMemory?

  /// Weights (rows, columns) for products of `form`, packed into `memory` (shared with the other
  /// packed weights made with it) or memory of their own; nothing is allocated until the first
  /// pack.
  public init(rows: Int, columns: Int, form: Form, memory: PackedWeightsMemory? = nil) {
    precondition(rows > 0 && columns > 0)
    self.rows = rows
    self.columns = columns
    self.form = form
    self.memory = memory
  }

  deinit {
    #if canImport(CDNNL)
      cdnnl_packed_destroy(packed)
    #endif
  }

  /// Output columns (N) and inner size (K) of the products.
  private var n: Int { form == .transposed ? rows : columns }
  private var k: Int { form == .transposed ? columns : rows }

  /// Whether ``pack(_:)`` has been called: products may run.
  public var isPacked: Bool { weights != nil }

  /// Bytes of the packed copy (0 on BLAS).
  public var packedBytes: Int {
    #if canImport(CDNNL)
      return cdnnl_packed_size(packed)
    #else
      return 0
    #endif
  }

  /// Takes `weights` (rows, columns), row-major with leading dimension `columns`, for the next
  /// products, reordering them for oneDNN when that backend is in use.
  public func pack(_ weights: UnsafePointer<Float>) {
    self.weights = weights
    packedIsCurrent = false
    #if canImport(CDNNL)
      guard ComputeBackend.current == .onednn, !packingFailed else { return }
      if packed == nil {
        packed = cdnnl_packed_create(Int64(n), Int64(k), form == .transposed ? 1 : 0, memory?.pointer)
        packingFailed = packed == nil
      }
      guard let packed else { return }
      if cdnnl_packed_pack(packed, weights, Int64(columns)) == 0 {
        packedIsCurrent = true
      } else {
        cdnnl_packed_destroy(packed)
        self.packed = nil
        packingFailed = true
      }
    #endif
  }

  /// c (m, n) = a (m, k) · op(W) + bias + beta · c, with the weights of the last ``pack(_:)``.
  ///
  /// - a: leading dimension `lda`.   - c: leading dimension `ldc`.
  /// - bias: n values added to every row of c (as ``matmul``'s), or nil.
  /// Large products are split by rows over the threads as ``matmul`` does; inside a slice
  /// (the recurrence's streams) it runs on the calling thread.
  public func multiply(
    m: Int, a: UnsafePointer<Float>, lda: Int, bias: UnsafePointer<Float>? = nil, beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard let weights else { preconditionFailure("PackedWeights.multiply before pack") }
    guard m > 0 else { return }
    let minimumSlice = minimumRowSlice(n: n, k: k)
    if Parallelism.threads > 1 && m >= 2 * minimumSlice {
      Parallelism.forEachSlice(of: m, minimumSliceSize: minimumSlice) { slice in
        multiplyOnOneThread(
          m: slice.count, a: a + slice.lowerBound * lda, lda: lda, bias: bias, beta: beta,
          c: c + slice.lowerBound * ldc, ldc: ldc, weights: weights)
      }
    } else {
      multiplyOnOneThread(m: m, a: a, lda: lda, bias: bias, beta: beta, c: c, ldc: ldc, weights: weights)
    }
  }

  private func multiplyOnOneThread(
    m: Int, a: UnsafePointer<Float>, lda: Int, bias: UnsafePointer<Float>?, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int, weights: UnsafePointer<Float>
  ) {
    #if canImport(CDNNL)
      if packedIsCurrent, let packed,
        cdnnl_packed_multiply(packed, Int64(m), 1, a, Int64(lda), bias, beta, c, Int64(ldc)) == 0
      {
        return
      }
    #endif
    blasMatmul(
      transposeB: form == .transposed, m: m, n: n, k: k, a: a, lda: lda, b: weights, ldb: columns, bias: bias,
      beta: beta, c: c, ldc: ldc)
  }
}

/// Memory that several ``PackedWeights`` take turns in, for weights used one after the other,
/// each packed right before its products: every layer's W_hh, forward and backward (one copy
/// instead of two: 4 MiB less at 2 × 512). Sized for the largest of them at its first pack.
public final class PackedWeightsMemory {
  #if canImport(CDNNL)
    /// The C object (nil without oneDNN); each packed weights made with it holds a reference.
    fileprivate let pointer: OpaquePointer?
    public init() { pointer = cdnnl_packed_memory_create() }
    deinit { cdnnl_packed_memory_release(pointer) }
  #else
    fileprivate let pointer: OpaquePointer? = nil
    public init() {}
  #endif
}

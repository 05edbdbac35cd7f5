import CKernels

/// Small element-wise helpers over Float buffers used by the layers and the optimizer.
/// Each is a single pass over memory, eight lanes at a time.
public enum VectorOps {
  /// Σ x², each block of 16 summed in Float and the blocks in Double, so long vectors keep
  /// their precision; a C kernel at the CPU's width (``KernelISA``).
  public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
    ckernels_sum_of_squares(KernelISA.current.code, x, Int64(count))
  }

  /// Adam's update of `count` parameters p with gradients g and moments m, v:
  /// m = β₁·m + (1−β₁)·g, v = β₂·v + (1−β₂)·g², p −= stepSize·m / (√v·inverseCorrection2 + ε).
  /// A C kernel at the CPU's width (``KernelISA``); ``adamNaive`` is its specification. Split
  /// over the threads in slices of at least 64K parameters (each element's update is the same
  /// whatever slice it is in): Tang's 2.4M parameters took 2.2 ms of a 75 ms step on one thread.
  public static func adam(
    parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
    firstMoment m: UnsafeMutablePointer<Float>,
    secondMoment v: UnsafeMutablePointer<Float>, count: Int, beta1: Float, beta2: Float, stepSize: Float,
    inverseCorrection2: Float, epsilon: Float
  ) {
    Parallelism.forEachSlice(of: count, minimumSliceSize: 1 << 16) { range in
      let i = range.lowerBound
      ckernels_adam(
        KernelISA.current.code, p + i, g + i, m + i, v + i, Int64(range.count), beta1, beta2, stepSize,
        inverseCorrection2, epsilon)
    }
  }

  /// The specification of ``adam(parameters:gradients:firstMoment:secondMoment:count:beta1:beta2:stepSize:inverseCorrection2:epsilon:)``:
  /// one scalar loop.
  public static func adamNaive(
    parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
    firstMoment m: UnsafeMutablePointer<Float>,
    secondMoment v: UnsafeMutablePointer<Float>, count: Int, beta1: Float, beta2: Float, stepSize: Float,
    inverseCorrection2: Float, epsilon: Float
  ) {
    for i in 0..<count {
      let mi = beta1 * m[i] + (1 - beta1) * g[i]
      let vi = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
      p[i] -= stepSize * mi / (vi.squareRoot() * inverseCorrection2 + epsilon)
      m[i] = mi
      v[i] = vi
    }
  }

  /// x *= s; then, when `sums` is given, sums += x. A C kernel at the CPU's width (``KernelISA``).
  public static func scale(
    _ x: UnsafeMutablePointer<Float>, count: Int, by s: Float, addingTo sums: UnsafeMutablePointer<Float>? = nil
  ) {
    ckernels_scale(KernelISA.current.code, x, Int64(count), s, sums)
  }

  /// y += x; a C kernel at the CPU's width (``KernelISA``).
  public static func add(_ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int) {
    ckernels_add(KernelISA.current.code, x, y, Int64(count))
  }

  /// sums[j] += Σ_r matrix[r, j] for a row-major (rows, columns) matrix: a bias gradient.
  /// Threads split the columns (in blocks of 64), so each sum keeps its row order and the
  /// result does not depend on the thread count. A C kernel at the CPU's width (``KernelISA``).
  public static func addColumnSums(
    of matrix: UnsafePointer<Float>, rows: Int, columns: Int, to sums: UnsafeMutablePointer<Float>
  ) {
    forEachColumnBlock(columns: columns, rows: rows) { c0, width in
      ckernels_add_column_sums(
        KernelISA.current.code, matrix + c0, Int64(rows), Int64(columns), Int64(width), sums + c0)
    }
  }

  /// Calls `body(first column, width)` on the threads' slices of `columns`, cut at multiples of
  /// 64 columns (at least ~16K elements of `rows` rows a slice): for work that adds the rows of
  /// a matrix column-wise in row order, so that every sum keeps its order whatever the thread
  /// count (column sums, the embedding's scatter-add).
  public static func forEachColumnBlock(columns: Int, rows: Int, _ body: (_ first: Int, _ width: Int) -> Void) {
    let blocks = (columns + 63) / 64
    Parallelism.forEachSlice(of: blocks, minimumSliceSize: max(1, 16_384 / max(rows, 1))) { range in
      let c0 = range.lowerBound * 64
      body(c0, min(range.upperBound * 64, columns) - c0)
    }
  }

  /// True when every element is finite (no NaN or infinity).
  @inlinable
  public static func allFinite(_ x: UnsafePointer<Float>, count: Int) -> Bool {
    // x − x is 0 for finite x and NaN for NaN or ±∞; one vector pass, no comparisons per lane.
    var acc = SIMD8<Float>()
    var i = 0
    while i < count {
      let v = x.load8(i, count: min(8, count - i))
      acc += v - v
      i += 8
    }
    return acc == SIMD8<Float>()
  }
}

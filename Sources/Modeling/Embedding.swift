import Kernels

/// The embedding lookup: each input id selects one row of `embedding.weight`.
enum Embedding {
  /// - weight: (V, E)   - ids: (N)   - output: (N, E) out: output[n] = weight[ids[n]]
  static func forward(
    weight: UnsafePointer<Float>, ids: UnsafePointer<Int32>, count: Int, width: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    for n in 0..<count {
      (output + n * width).update(from: weight + Int(ids[n]) * width, count: width)
    }
  }

  /// - outputGradient: (N, E)   - weightGradient: (V, E) accumulated: row ids[n] += outputGradient[n]
  ///
  /// Threads split the columns (blocks of 64), each adding rows n = 0, 1, … of its columns, so
  /// every sum keeps its order and the result does not depend on the thread count.
  static func backward(
    outputGradient: UnsafePointer<Float>, ids: UnsafePointer<Int32>, count: Int, width: Int,
    weightGradient: UnsafeMutablePointer<Float>
  ) {
    VectorOps.forEachColumnBlock(columns: width, rows: count) { c0, columns in
      for n in 0..<count {
        VectorOps.add(outputGradient + n * width + c0, to: weightGradient + Int(ids[n]) * width + c0, count: columns)
      }
    }
  }
}

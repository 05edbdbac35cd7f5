import Kernels
import Testing

/// The element-wise helpers, at lengths with and without a tail of fewer than eight lanes.
@Suite struct VectorOpsTests {
  @Test("sumOfSquares, scale, add, addColumnSums, allFinite", arguments: [1, 7, 8, 9, 67])
  func helpers(count: Int) {
    var rng = SeededGenerator(seed: UInt64(count))
    let x = (0..<count).map { _ in rng.nextStandardNormal() }
    let expected = x.reduce(0.0) { $0 + Double($1) * Double($1) }
    // Per-8-lane Float sums, then Double: relative error a few Float ulps.
    #expect(abs(VectorOps.sumOfSquares(x, count: count) - expected) <= 1e-6 * expected)

    var y = x + [42]  // the extra element must not be touched
    VectorOps.scale(&y, count: count, by: -2)
    #expect(y == x.map { $0 * -2 } + [42])
    var z = x + [42]
    VectorOps.add(x, to: &z, count: count)
    #expect(z == x.map { $0 + $0 } + [42])

    let rows = 3
    let matrix = (0..<(rows * count)).map { Float($0 % 5) - 2 }
    var sums = [Float](repeating: 1, count: count) + [42]
    VectorOps.addColumnSums(of: matrix, rows: rows, columns: count, to: &sums)
    #expect(sums == (0..<count).map { j in 1 + (0..<rows).reduce(Float(0)) { $0 + matrix[$1 * count + j] } } + [42])

    #expect(VectorOps.allFinite(x, count: count))
    var bad = x
    bad[count - 1] = .infinity
    #expect(!VectorOps.allFinite(bad, count: count))
    bad[count - 1] = .nan
    #expect(!VectorOps.allFinite(bad, count: count))
  }
}

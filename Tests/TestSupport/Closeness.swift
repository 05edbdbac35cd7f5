import Testing

/// The worst disagreement between two arrays, for messages that say where and by how much.
public struct Closeness: CustomStringConvertible, Sendable {
  /// Index of the worst element.
  public let index: Int
  /// The two values there.
  public let actual: Double, expected: Double
  /// |actual − expected| / max(|expected|, floor): the scaled error of the worst element.
  public let error: Double

  public var description: String {
    "worst element \(index): \(actual) vs \(expected) (scaled error \(error))"
  }
}

/// The element where |a − e| / max(|e|, floor) is largest. `floor` keeps near-zero values
/// from turning rounding noise into huge relative errors.
public func worstError(_ actual: [Double], _ expected: [Double], floor: Double = 1e-3) -> Closeness {
  precondition(actual.count == expected.count, "length \(actual.count) vs \(expected.count)")
  var worst = Closeness(index: -1, actual: 0, expected: 0, error: 0)
  for i in actual.indices {
    let e = abs(actual[i] - expected[i]) / max(abs(expected[i]), floor)
    if e > worst.error || e.isNaN {
      worst = Closeness(index: i, actual: actual[i], expected: expected[i], error: e.isNaN ? .infinity : e)
    }
  }
  return worst
}

/// Records a test issue naming `label` and the worst element unless every element of `actual`
/// is within `tolerance` (scaled as in ``worstError(_:_:floor:)``) of `expected`.
public func expectClose(
  _ actual: [Double], _ expected: [Double], tolerance: Double, floor: Double = 1e-3,
  _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
  let worst = worstError(actual, expected, floor: floor)
  #expect(
    worst.error <= tolerance, "\(label): \(worst), tolerance \(tolerance)",
    sourceLocation: sourceLocation)
}

/// Float convenience for ``expectClose(_:_:tolerance:floor:_:sourceLocation:)``.
public func expectClose(
  _ actual: [Float], _ expected: [Double], tolerance: Double, floor: Double = 1e-3,
  _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
  expectClose(
    actual.map(Double.init), expected, tolerance: tolerance, floor: floor, label, sourceLocation: sourceLocation)
}

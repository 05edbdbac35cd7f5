import Foundation
import Kernels
import Testing

/// FastMath's exp, sigmoid and tanh against Double references over dense sweeps.
///
/// The sweeps go through the SIMD8 forms (the ones the kernels use), eight inputs per call.
@Suite struct ActivationAccuracyTests {
  /// `count` evenly spaced Floats over [lower, upper], plus both ends.
  static func sweep(_ lower: Double, _ upper: Double, count: Int) -> [Float] {
    (0...count).map { Float(lower + (upper - lower) * Double($0) / Double(count)) }
  }

  /// Applies `f` eight lanes at a time.
  static func apply(_ f: (SIMD8<Float>) -> SIMD8<Float>, to xs: [Float]) -> [Float] {
    var out: [Float] = []
    out.reserveCapacity(xs.count + 8)
    var i = 0
    while i < xs.count {
      var v = SIMD8<Float>(repeating: 0)
      for lane in 0..<min(8, xs.count - i) { v[lane] = xs[i + lane] }
      let r = f(v)
      for lane in 0..<min(8, xs.count - i) { out.append(r[lane]) }
      i += 8
    }
    return out
  }

  /// The worst error of `f` against `reference` over `xs`, relative or absolute, and where.
  static func worst(
    _ f: (SIMD8<Float>) -> SIMD8<Float>, _ reference: (Double) -> Double, over xs: [Float], relative: Bool
  ) -> (error: Double, at: Float) {
    let ys = apply(f, to: xs)
    var worst = (error: 0.0, at: Float(0))
    for (x, y) in zip(xs, ys) {
      let r = reference(Double(x))
      let e = abs(Double(y) - r) / (relative ? abs(r) : 1)
      if !(e <= worst.error) { worst = (e, x) }
    }
    return worst
  }

  static func sigmoidReference(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

  @Test("exp: relative error below 2e-7 over [-87, 88]")
  func expRelativeError() {
    // 2^17 points plus the integers (the 2^n boundaries of the range reduction).
    let xs = Self.sweep(-87, 88, count: 1 << 17) + (-87...88).map(Float.init)
    let (error, at) = Self.worst(FastMath.exp, Foundation.exp, over: xs, relative: true)
    // Measured worst: 8.0e-8 at x = -81.43 (also over a 2^23-point sweep: 8.06e-8), i.e.
    // about one Float ulp. The bound is the doc comment's promise, 2e-7 (a 2.5× margin).
    #expect(error < 2e-7, "worst relative error \(error) at x = \(at)")
  }

  @Test("sigmoid: absolute error below 2e-7 over [-30, 30]")
  func sigmoidAbsoluteError() {
    let xs = Self.sweep(-30, 30, count: 1 << 16) + [1e-8, -1e-8, 0]
    let (error, at) = Self.worst(FastMath.sigmoid, Self.sigmoidReference, over: xs, relative: false)
    // Measured worst: 8.9e-8 at x = 8.66 (also over 2^22 points): the result is near 1, where
    // a Float ulp is 6e-8. The bound is 2× the doc comment's 1e-7.
    #expect(error < 2e-7, "worst absolute error \(error) at x = \(at)")
  }

  @Test("tanh: absolute error below 3e-7 over [-30, 30] and at ±1e-8")
  func tanhAbsoluteError() {
    let xs = Self.sweep(-30, 30, count: 1 << 16) + [1e-8, -1e-8, 0]
    let (error, at) = Self.worst(FastMath.tanh, Foundation.tanh, over: xs, relative: false)
    // Measured worst: 1.78e-7 at x = -4.33 (also over 2^22 points); the bound is the doc
    // comment's 3e-7. 1 − 2/(e^{2x}+1) cancels near 0: tanh(±1e-8) gives exactly 0 (absolute
    // error 1e-8, no relative accuracy), which is what the absolute bound allows.
    #expect(error < 3e-7, "worst absolute error \(error) at x = \(at)")
  }

  @Test("large inputs give finite, saturated results", arguments: [Float(100), 1e4, 1e30, -100, -1e4, -1e30])
  func saturation(x: Float) {
    let e = FastMath.exp(x)
    let s = FastMath.sigmoid(x)
    let t = FastMath.tanh(x)
    #expect(e.isFinite && e >= 0, "exp(\(x)) = \(e)")
    #expect(s.isFinite && t.isFinite, "sigmoid(\(x)) = \(s), tanh(\(x)) = \(t)")
    if x > 0 {
      #expect(e > 1e38, "exp(\(x)) = \(e) should saturate near Float's top (e^88.3)")
      #expect(s == 1 && t == 1, "sigmoid(\(x)) = \(s), tanh(\(x)) = \(t)")
    } else {
      #expect(e < 2e-38, "exp(\(x)) = \(e) should saturate near 0 (e^-87.3)")
      #expect(s >= 0 && s < 1e-37 && t == -1, "sigmoid(\(x)) = \(s), tanh(\(x)) = \(t)")
    }
  }

  @Test("scalar forms equal lane 0 of the vector forms")
  func scalarForms() {
    for x in Self.sweep(-20, 20, count: 101) {
      #expect(FastMath.exp(x) == FastMath.exp(SIMD8(repeating: x))[0])
      #expect(FastMath.sigmoid(x) == FastMath.sigmoid(SIMD8(repeating: x))[0])
      #expect(FastMath.tanh(x) == FastMath.tanh(SIMD8(repeating: x))[0])
    }
  }
}

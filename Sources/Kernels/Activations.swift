/// Vectorized exp, sigmoid and tanh on eight Float lanes.
///
/// Written with plain SIMD arithmetic (no `addingProduct`, which becomes a per-lane `fmaf` call
/// on CPUs targeted without FMA) and integer bit tricks instead of `rounded()`, so they compile
/// to straight-line vector code on any x86-64 or ARM target. Accuracy over the whole Float range
/// is tested against Double references in KernelsTests (`ActivationAccuracyTests`).
public enum FastMath {
  /// e^x, Cephes-style: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r, then
  /// 2^n by building the exponent bits. Relative error below 2e-7 for x in [-87, 88];
  /// below −87.3 (and for −∞) the result is 0, above 88.3 the input is clamped (e^88.3 ≈ 2e38).
  @inlinable @inline(__always)
  public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Masks from sign bits (see LaneSelect.swift): below the range the result is exactly 0
    // (so a −∞ logit keeps no weight), above it the input is clamped.
    let lower = SIMD8<Float>(repeating: -87.3)
    let upper = SIMD8<Float>(repeating: 88.3)
    let underflow = x.lanesBelow(lower)
    let clamped = x.replacingLanes(underflow, with: lower).replacingLanes(upper.lanesBelow(x), with: upper)
    // Round x·log2(e) to the nearest integer with the 1.5·2^23 trick: the integer lands in the
    // low mantissa bits, so it can be read as bits without a float→int conversion.
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let shifted = clamped * SIMD8(repeating: 1.442_695_04) + magic
    let n = shifted - magic
    let r = clamped - n * SIMD8(repeating: 0.693_359_375) - n * SIMD8(repeating: -2.121_944_4e-4)
    var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
    p = p * r + SIMD8(repeating: 1.398_199_95e-3)
    p = p * r + SIMD8(repeating: 8.333_451_9e-3)
    p = p * r + SIMD8(repeating: 4.166_579_59e-2)
    p = p * r + SIMD8(repeating: 1.666_666_55e-1)
    p = p * r + SIMD8(repeating: 5.000_000_12e-1)
    let er = p * (r * r) + r + SIMD8(repeating: 1)
    let nBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: SIMD8<Float>.self)
    return (er * scale).zeroingLanes(underflow)
  }

  /// The logistic function 1 / (1 + e^-x); absolute error below 1e-7.
  @inlinable @inline(__always)
  public static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
    SIMD8(repeating: 1) / (SIMD8(repeating: 1) + exp(-x))
  }

  /// tanh(x) = 1 − 2 / (e^{2x} + 1); absolute error below 3e-7 (relative error grows near 0,
  /// where the absolute error is what training sees).
  @inlinable @inline(__always)
  public static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
    SIMD8(repeating: 1) - SIMD8(repeating: 2) / (exp(x + x) + SIMD8(repeating: 1))
  }

  /// Scalar forms, the same arithmetic as the vector forms (lane 0 of a broadcast).
  @inlinable public static func exp(_ x: Float) -> Float { exp(SIMD8(repeating: x))[0] }
  /// Scalar logistic function.
  @inlinable public static func sigmoid(_ x: Float) -> Float { sigmoid(SIMD8(repeating: x))[0] }
  /// Scalar tanh.
  @inlinable public static func tanh(_ x: Float) -> Float { tanh(SIMD8(repeating: x))[0] }
}

// MARK: - Loading and storing eight lanes

extension UnsafePointer where Pointee == Float {
  /// Eight consecutive Floats starting at `self + index`.
  @inlinable @inline(__always)
  public func load8(_ index: Int) -> SIMD8<Float> {
    UnsafeRawPointer(self + index).loadUnaligned(as: SIMD8<Float>.self)
  }

  /// Up to eight Floats starting at `self + index`; missing lanes are `fill`.
  @inlinable @inline(__always)
  public func load8(_ index: Int, count: Int, fill: Float = 0) -> SIMD8<Float> {
    if count >= 8 { return load8(index) }
    var v = SIMD8<Float>(repeating: fill)
    for lane in 0..<count { v[lane] = self[index + lane] }
    return v
  }
}

extension UnsafeMutablePointer where Pointee == Float {
  /// Eight consecutive Floats starting at `self + index`.
  @inlinable @inline(__always)
  public func load8(_ index: Int) -> SIMD8<Float> { UnsafePointer(self).load8(index) }

  /// Up to eight Floats starting at `self + index`; missing lanes are `fill`.
  @inlinable @inline(__always)
  public func load8(_ index: Int, count: Int, fill: Float = 0) -> SIMD8<Float> {
    UnsafePointer(self).load8(index, count: count, fill: fill)
  }

  /// Stores the first `count` (at most eight) lanes of `v` at `self + index`.
  @inlinable @inline(__always)
  public func store8(_ v: SIMD8<Float>, at index: Int, count: Int = 8) {
    if count >= 8 {
      UnsafeMutableRawPointer(self + index).storeBytes(of: v, as: SIMD8<Float>.self)
    } else {
      for lane in 0..<count { self[index + lane] = v[lane] }
    }
  }
}
